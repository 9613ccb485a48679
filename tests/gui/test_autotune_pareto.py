"""Issue 25 in the GUI: Jobs > Autotune… runs ``qftune autotune`` in the engine process on the plan on screen,
its Pareto chart opens, a real click on a point loads that plan into the session as ONE undoable change, and
Ctrl+Z restores the plan as it was."""

from __future__ import annotations

import json

import pytest
from gui_helpers import click_menu, click_run
from gui_kit import close_errors, wait_jobs
from PySide6.QtCore import Qt

from autotune_kit import shared_tuned_case


@pytest.fixture(scope="module")
def tuned_case(tmp_path_factory):
    return shared_tuned_case(tmp_path_factory)


def _plan_state(plan):
    return ({k: e.state for k, e in plan.weights.items()}, dict(plan.precisions))


def test_autotune_job_then_a_click_on_a_pareto_point_loads_it_and_ctrl_z_restores(make_main_window, tuned_case,
                                                                                    qtbot, tmp_path):
    session, data = tuned_case
    app = make_main_window(str(session))
    plan = app.state.plan
    before = _plan_state(plan)
    click_menu(qtbot, app.window, "&Jobs", "&Autotune…")
    dlg = app.dialog
    assert dlg is not None and dlg.windowTitle() == "qftune — Autotune"
    out = tmp_path / "tuned.qft"
    for key, value in (("data", data), ("max_drop", 60.0), ("weights", "per-tensor"), ("holdout", 400),
                       ("out", str(out))):
        dlg.set_value(key, value)
    messages = []
    app.runner.started.connect(lambda job: job.progressed.connect(lambda _f, m: messages.append(m)))
    click_run(qtbot, dlg)
    wait_jobs(qtbot, app, timeout=300_000)
    assert not app.errors, close_errors(app)
    assert any("ETA" in m for m in messages), messages[-5:]         # the job's progress says how long is left

    doc = json.loads(out.with_suffix("").with_suffix(".autotune.json").read_text())
    assert doc["exit_code"] == 0 and doc["met_heldout"]
    assert json.loads(json.dumps(app.state.results["autotune"])) == doc   # the job's result: the CLI's --json
    chart = app.autotune_result.chart
    qtbot.waitUntil(lambda: app.autotune_result.window.isVisible(), timeout=3000)
    assert doc["verdict"] in chart.verdict.full_text()
    assert _plan_state(plan) == before                  # the job wrote the tuned session; the screen is unchanged
    steps = app.state.undo_stack.count()

    best = doc["best"]["index"]
    plot = chart.bytes_plot
    with qtbot.waitSignal(chart.pointChosen, timeout=3000) as got:
        qtbot.mouseClick(plot.viewport(), Qt.LeftButton, pos=chart.point_position("bytes", best))
    row = got.args[0]
    assert row["top1"] == doc["best"]["top1"]           # the point under the pointer (or one on top of it)
    assert app.state.undo_stack.count() == steps + 1    # one undoable change
    kernels = row["plan"]["kernels"]
    for layer, k in kernels.items():
        s = plan.weight(f"{layer}/kernel").state
        assert (s.granularity, s.method, list(s.clip) if s.clip else None) == (k["granularity"], k["method"], k["clip"])
    assert plan.weight("block0_dw/kernel").state != before[0]["block0_dw"]   # the clip autotune found
    assert app.window.isWindowModified()

    qtbot.keyClick(app.autotune_result.window, Qt.Key_Z, Qt.ControlModifier)    # where the point was clicked
    assert _plan_state(plan) == before
    assert app.state.undo_stack.count() == steps + 1 and app.state.undo_stack.index() == steps
    qtbot.keyClick(app.autotune_result.window, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)   # redo
    assert plan.weight("block0_dw/kernel").state == plan.weight("block0_dw/kernel").state.__class__(
        kernels["block0_dw"]["granularity"], kernels["block0_dw"]["method"], tuple(kernels["block0_dw"]["clip"]))


def test_bad_autotune_options_are_named_in_the_dialog_and_nothing_runs(make_main_window, tuned_case, qtbot, tmp_path):
    import shutil

    session, data = tuned_case
    model = tmp_path / "dead.keras"
    shutil.copy(session.parent / "dead.keras", model)
    from core.session import Session

    s = Session.load(session, model_path=model)
    s.save(tmp_path / "s.qft")
    app = make_main_window(str(tmp_path / "s.qft"))
    click_menu(qtbot, app.window, "&Jobs", "&Autotune…")
    dlg = app.dialog
    out = tmp_path / "t.qft"
    dlg.set_value("data", data)
    dlg.set_value("out", str(out))
    for allow, needles in (("clip,int4", ("int4", "unknown move")), ("bogus", ("bogus",)), ("", ("--allow",))):
        dlg.set_value("allow", allow)
        click_run(qtbot, dlg)
        assert dlg.isVisible() and all(n in dlg.error.text() for n in needles), dlg.error.text()
    dlg.set_value("allow", "clip")
    model.unlink()                                     # the session's model is gone: named, nothing runs
    click_run(qtbot, dlg)
    assert dlg.isVisible() and "dead.keras" in dlg.error.text(), dlg.error.text()
    assert not app.runner.busy and not out.exists()
    dlg.reject()


def test_cancel_keeps_the_best_plan_found_so_far_and_shows_it(make_main_window, tuned_case, qtbot, tmp_path):
    """The status bar's Cancel during the search: the job ends with the best plan so far written (unconfirmed)
    and its chart shown, the verdict saying it was cancelled."""
    session, data = tuned_case
    app = make_main_window(str(session))
    click_menu(qtbot, app.window, "&Jobs", "&Autotune…")
    dlg = app.dialog
    out = tmp_path / "c.qft"
    for key, value in (("data", data), ("max_drop", 0.0), ("weights", "per-tensor"), ("holdout", 400),
                       ("out", str(out))):
        dlg.set_value(key, value)
    messages = []
    app.runner.started.connect(lambda job: job.progressed.connect(lambda _f, m: messages.append(m)))
    click_run(qtbot, dlg)
    # once the search has scored a move that beat the start ("block0_dw: ... (best ...)"), cancel it
    qtbot.waitUntil(lambda: any(m.startswith("block0_dw:") and "best" in m for m in messages), timeout=180_000)
    button = app.window.job_status.cancel_button
    qtbot.mouseClick(button, Qt.LeftButton)
    wait_jobs(qtbot, app, timeout=180_000)
    assert not app.errors, close_errors(app)
    doc = json.loads((tmp_path / "c.autotune.json").read_text())
    assert doc["cancelled"] and doc["confirmed"] is None and doc["exit_code"] == 130
    assert doc["best"]["drop_pp"] < doc["start"]["drop_pp"] and out.exists()
    assert not (tmp_path / "c_int8.tflite").exists()
    assert "cancelled" in app.autotune_result.chart.verdict.full_text()
