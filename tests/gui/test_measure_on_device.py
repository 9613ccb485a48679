"""Issue 21, phone in the loop: Jobs > Measure on Device exports the plan on screen (verified export,
scored with LiteRT on the host) and measures it on the phone through Debian's real adb server and the
loopback Pixel 2 of tests/device; the figures belong to the undo step that was measured, an edit
afterwards makes a step without them, and Ctrl+Z brings them back. Without a phone the action is off
and says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import click_menu, type_into
from gui_kit import wait_jobs
from phone_kit import FakePhone, adb, adb_port, plug, standin_tools, standins  # noqa: F401  (fixtures)
from PySide6.QtCore import Qt


def _edit(qtbot, app, factor: float) -> None:
    """A value typed in the max editor of a mid-depth tensor (a new undo step)."""
    plan, view = app.state.plan, app.window.tensor_panel.view
    names = [n for n in plan.names[1:] if not plan[n].locked and plan[n].max > 0]
    name = names[len(names) // 2]
    app.state.select(name)
    before = app.state.undo_stack.index()
    type_into(qtbot, view.max_edit, f"{factor * plan[name].max:.4f}")
    assert app.state.undo_stack.index() == before + 1 and plan[name].method == "user"


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_measure_on_device_attaches_phone_figures_to_the_undo_step(adb_port, standin_tools, make_main_window,  # noqa: F811
                                                                    session_copy, qtbot, tmp_path):
    app = make_main_window(str(session_copy("qf")))
    win, dm = app.window, app.window.device_measure
    panel, act = win.device_panel, win.device_measure.action
    assert [a for a in win.jobs_menu.actions() if a.text() == "Measure on &Device"] == [act]

    # no phone: disabled, and the tooltip says why
    qtbot.waitUntil(lambda: panel.devices.list.count() == 0 or panel.selected_serial() is None, timeout=5000)
    assert not act.isEnabled() and act.toolTip().startswith("No device connected")
    phone = plug(FakePhone(tmp_path / "phone"))
    try:
        qtbot.waitUntil(lambda: panel.selected_serial() == phone.serial, timeout=5000)
        assert not act.isEnabled() and "benchmark_model" in act.toolTip()       # a phone, but no tools yet
        qtbot.keyClicks(panel.form.bench_tool, str(standin_tools["benchmark"]))
        qtbot.keyClicks(panel.form.eval_tool, str(standin_tools["eval"]))
        panel.form.rounds.setValue(2)
        panel.form.runs.setValue(3)
        panel.form.eval_images.setValue(40)
        assert act.isEnabled() and phone.serial in act.toolTip()

        _edit(qtbot, app, 0.5)                                   # step 1: measured below
        assert dm.current() is None and "not measured for this step" in dm.label.text()
        click_menu(qtbot, win, "&Jobs", "Measure on &Device")
        assert not act.isEnabled()                               # one job at a time
        # one user of the phone at a time: the Device panel's own Deploy & Measure waits for it
        assert not panel.measure_button.isEnabled() and "Measure on Device" in panel.measure_button.toolTip()
        wait_jobs(qtbot, app, timeout=300_000)
        assert not app.errors, [b.text() for b in app.errors]
        assert panel.blocked is None
        rec = dm.current()
        assert rec is not None and dm.step_record(1) is rec and dm.step_record(0) is None
        d, h = rec["device"], rec["host_litert"]
        assert d["serial"] == phone.serial and d["model"] == "Pixel 2" and d["rounds"] == 2
        assert d["latency_ms"] > 0 and d["images"] == 40 and h["images"] == 40
        # run_eval on the phone and LiteRT on the host score the same exported file on the same 40 images
        assert d["top1"] == pytest.approx(h["top1"], abs=1 / 40 + 1e-9)
        assert Path(rec["tflite"]).is_file() and Path(rec["tflite"]).parent == tmp_path
        assert dm.label.text() == f"on Pixel 2: {d['latency_ms']:.2f} ms · top-1 {100 * d['top1']:.2f} %"
        tip = win.live_panel._tip(1, 0, None)                    # hovering the step in the history
        assert tip.startswith("step 1") and f"host LiteRT: top-1 {100 * h['top1']:.2f} %" in tip
        assert f"device Pixel 2 ({phone.serial}): {d['latency_ms']:.2f} ms" in tip
        xs, ys = dm.device_points.getData()
        assert list(xs) == [1] and list(ys) == pytest.approx([100 * d["top1"]])

        _edit(qtbot, app, 0.8)                                   # step 2: an edit afterwards
        assert dm.current() is None and "not measured for this step" in dm.label.text()
        assert "device" not in win.live_panel._tip(2, 0, None)
        assert "device Pixel 2" in win.undo_action.toolTip()     # Undo goes back to the measured step
        click_menu(qtbot, win, "&Edit", win.undo_action.text())          # Edit > Undo
        assert app.state.undo_stack.index() == 1
        assert dm.current() is rec and dm.label.text().startswith("on Pixel 2:")
    finally:
        phone.kill()
        adb("disconnect", phone.serial)
    qtbot.waitUntil(lambda: not act.isEnabled() and act.toolTip().startswith("No device connected"), timeout=5000)


# a benchmark_model that starts (as the real one prints), leaves a mark in the phone's sandbox, then runs
# long enough for the test to pull the phone away mid-run
_STARTS_THEN_HANGS = r'''
import os, sys, time
open(os.path.join(os.environ["PHONE_ROOT"], "benchmark_started"), "w").close()
print("INFO: STARTING!")
sys.stdout.flush()
time.sleep(120)
'''


def _set_tool(qtbot, field, path) -> None:
    qtbot.mouseClick(field, Qt.LeftButton)
    qtbot.keyClick(field, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(field, str(path))


def _error_text(box) -> str:
    return "\n".join([box.text(), box.informativeText()])


def _assert_nothing_lost(app, session_file, saved_bytes, plan_before, index) -> None:
    """The edits, the undo history and the session file as they were before the job."""
    plan = app.state.plan
    assert app.state.undo_stack.index() == index and app.state.undo_stack.count() == index
    assert {n: (plan[n].min, plan[n].max, plan[n].method) for n in plan.names} == plan_before
    assert app.state.dirty
    assert session_file.read_bytes() == saved_bytes


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_a_phone_fault_during_measure_on_device_is_named_and_loses_nothing(adb_port, standin_tools,  # noqa: F811
                                                                          make_main_window, session_copy, qtbot,
                                                                          tmp_path):
    """The phone unplugged mid-run, then a benchmark_model that crashes (SIGSEGV): each ends the job with an
    error that names the phone and the fault (no traceback), the undo step gets no phone figures, the
    Device panel's Deploy & Measure is usable again, and the edits, the undo history and the file are intact."""
    (tmp_path / "tools").mkdir()
    hang = standins.write_standin(tmp_path / "tools" / "hanging_benchmark_model", _STARTS_THEN_HANGS)
    crash = standins.write_standin(tmp_path / "tools" / "crashing_benchmark_model", standins.CRASHES)
    session_file = session_copy("qf")
    saved = session_file.read_bytes()
    app = make_main_window(str(session_file))
    win, dm = app.window, app.window.device_measure
    panel, act = win.device_panel, win.device_measure.action
    deployed = tmp_path / "deployed_before.tflite"         # a model in the Device panel: what Deploy & Measure runs
    deployed.write_bytes(b"TFL3")
    panel.set_model_path(str(deployed))
    sandbox = tmp_path / "phone"
    phone = plug(FakePhone(sandbox))
    try:
        qtbot.waitUntil(lambda: panel.selected_serial() == phone.serial, timeout=5000)
        _set_tool(qtbot, panel.form.bench_tool, hang)
        _set_tool(qtbot, panel.form.eval_tool, standin_tools["eval"])
        panel.form.rounds.setValue(2)
        panel.form.runs.setValue(3)
        panel.form.eval_images.setValue(40)
        _edit(qtbot, app, 0.5)
        plan = app.state.plan
        plan_before = {n: (plan[n].min, plan[n].max, plan[n].method) for n in plan.names}
        assert act.isEnabled() and panel.measure_button.isEnabled()

        # 1. the phone goes away while benchmark_model runs on it
        click_menu(qtbot, win, "&Jobs", "Measure on &Device")
        assert not panel.measure_button.isEnabled()
        qtbot.waitUntil(lambda: (sandbox / "benchmark_started").exists(), timeout=240_000)
        phone.kill()
        wait_jobs(qtbot, app, timeout=120_000)
        assert len(app.errors) == 1, [b.text() for b in app.errors]
        text = _error_text(app.errors[0])
        assert phone.serial in text and "Pixel 2" in text, text
        assert "disconnected" in text and "Reconnect" in text, text
        assert "Traceback" not in text and not app.errors[0].detailedText(), app.errors[0].detailedText()
        assert dm.current() is None and "not measured for this step" in dm.label.text()
        assert "device" not in win.live_panel._tip(1, 0, None)
        assert panel.blocked is None
        _assert_nothing_lost(app, session_file, saved, plan_before, 1)
        app.errors[0].close()
        qtbot.waitUntil(lambda: not app.errors, timeout=3000)

        # the phone is back on the same address: both ways to measure are offered again
        phone = plug(FakePhone(sandbox, port=phone.port))
        qtbot.waitUntil(lambda: panel.selected_serial() == phone.serial, timeout=10_000)
        qtbot.waitUntil(act.isEnabled, timeout=5000)
        assert panel.measure_button.isEnabled() and not panel.measure_button.toolTip()

        # 2. benchmark_model crashes on the phone (a failing shell command). The Device list may show a phone that
        # has just reconnected before its model was read (seen once in CI: the error then named the serial
        # alone); the list entry is put in that state here, and the error must still name the phone
        _set_tool(qtbot, panel.form.bench_tool, crash)
        for d in panel.devices.devices:
            if d.serial == phone.serial:
                d.model = ""
        click_menu(qtbot, win, "&Jobs", "Measure on &Device")
        wait_jobs(qtbot, app, timeout=240_000)
        assert len(app.errors) == 1, [b.text() for b in app.errors]
        text = _error_text(app.errors[0])
        assert phone.serial in text and "Pixel 2" in text, text
        assert "status 139" in text and "SIGSEGV" in text, text
        assert "Traceback" not in text and not app.errors[0].detailedText()
        assert dm.current() is None and "not measured for this step" in dm.label.text()
        qtbot.waitUntil(act.isEnabled, timeout=5000)
        assert panel.blocked is None and panel.measure_button.isEnabled()
        _assert_nothing_lost(app, session_file, saved, plan_before, 1)
    finally:
        phone.kill()
        adb("disconnect", phone.serial)
