"""The Device panel under pytest-qt, against the real adb server and the emulated Pixel 2."""

from __future__ import annotations

import math
import time

import pytest

pytest.importorskip("pytestqt")

from adbd_emulator import FakePhone  # noqa: E402
from device_kit import adb, plug  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402

from gui.device_panel import DevicePanel  # noqa: E402


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "qftune.ini"), QSettings.IniFormat)


@pytest.fixture
def make_panel(qtbot, settings, adb_server):
    panels = []

    def make():
        p = DevicePanel(settings=settings)
        qtbot.addWidget(p)
        panels.append(p)
        return p

    yield make
    for p in panels:
        p.shutdown()


def _rows(panel):
    return [panel.devices.list.item(i).data(Qt.UserRole) for i in range(panel.devices.list.count())]


@pytest.mark.timeout(60)
def test_device_list_follows_hotplug_within_2s(make_panel, qtbot, tmp_path):
    panel = make_panel()
    phone = plug(FakePhone(tmp_path / "p"))
    t0 = time.monotonic()
    try:
        qtbot.waitUntil(lambda: phone.serial in _rows(panel), timeout=2500)
        assert time.monotonic() - t0 < 2.5
        assert "Pixel 2" in panel.devices.list.currentItem().text() and panel.selected_serial() == phone.serial
    finally:
        phone.kill()
        adb("disconnect", phone.serial)
    qtbot.waitUntil(lambda: phone.serial not in _rows(panel), timeout=2500)


@pytest.mark.timeout(240)
def test_deploy_and_measure_plots_each_round(make_panel, qtbot, phone, tools, tflite_models, settings):
    panel = make_panel()
    qtbot.waitUntil(lambda: panel.selected_serial() == phone.serial, timeout=3000)
    panel.form.bench_tool.setText(str(tools["benchmark"]))
    panel.form.eval_tool.setText(str(tools["eval"]))
    panel.form.rounds.setValue(3)
    panel.form.runs.setValue(3)
    panel.form.eval_images.setValue(30)
    panel.set_models({"float": str(tflite_models["float"]), "int8": str(tflite_models["int8"])})

    seen = []  # (model, round, ms, points on that model's curve when the signal arrived)
    panel.roundMeasured.connect(lambda m, r, ms: seen.append((m, r, ms, len(panel.plot.curves[m].getData()[0]))))
    with qtbot.waitSignal(panel.measurementFinished, timeout=200_000) as done:
        qtbot.mouseClick(panel.measure_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: panel.cancel_button.isEnabled() or seen, timeout=5000)
    report = done.args[0]
    assert [(m, r, n) for m, r, _, n in seen] == [("float", 1, 1), ("int8", 1, 1), ("float", 2, 2), ("int8", 2, 2),
                                                  ("float", 3, 3), ("int8", 3, 3)]
    assert all(ms > 0 and not math.isnan(ms) for *_, ms, _ in seen)
    assert panel.plot.budget_line.value() == 30.0
    # side by side: one column per model; accuracy measured on the device for int8, a reason for float
    headers = [panel.results.horizontalHeaderItem(i).text() for i in range(panel.results.columnCount())]
    assert headers == ["float", "int8"]
    assert panel.results.item(3, 1).text() == f"{report.accuracy['int8'].top1 * 100:.2f} %"
    assert panel.results.item(3, 0).text() == "not measured"
    assert "Inference timings in us" in panel.log.toPlainText() and not panel.log.isVisible()
    panel.log_toggle.click()
    assert panel.log.isVisibleTo(panel)
    assert panel.measure_button.isEnabled() and not panel.cancel_button.isEnabled()
    # tool paths remembered
    assert settings.value("device/benchmark_tool") == str(tools["benchmark"])
    assert make_panel().form.bench_tool.text() == str(tools["benchmark"])


@pytest.mark.timeout(180)
def test_unplug_mid_run_shows_error_and_retry_works(make_panel, qtbot, phone, tools, tflite_models, sandbox):
    panel = make_panel()
    qtbot.waitUntil(lambda: panel.selected_serial() == phone.serial, timeout=3000)
    panel.form.bench_tool.setText(str(tools["benchmark"]))
    panel.form.eval_tool.setText("")
    panel.form.rounds.setValue(3)
    panel.form.runs.setValue(3)
    panel.set_model_path(str(tflite_models["int8"]))
    panel.roundMeasured.connect(lambda m, r, ms: phone.kill() if r == 1 else None)
    with qtbot.waitSignal(panel.measurementFailed, timeout=60_000) as failed:
        assert panel.start_measurement()
    kind, message = failed.args
    assert kind == "device-lost" and phone.serial in message and "Reconnect it and retry" in message
    assert phone.serial in panel.status_label.text() and panel.measure_button.isEnabled()
    # the phone comes back: the same button works again
    back = plug(FakePhone(sandbox, port=phone.port))
    try:
        qtbot.waitUntil(lambda: panel.selected_serial() == phone.serial, timeout=3000)
        with qtbot.waitSignal(panel.measurementFinished, timeout=60_000) as done:
            assert panel.start_measurement()
        assert len(done.args[0].latency_ms("int8")) == 3
    finally:
        back.kill()


@pytest.mark.timeout(120)
def test_cancel_and_close_mid_round_stop_the_measurement(make_panel, qtbot, phone, tools, tflite_models):
    panel = make_panel()
    qtbot.waitUntil(lambda: panel.selected_serial() == phone.serial, timeout=3000)
    panel.form.bench_tool.setText(str(tools["benchmark"]))
    panel.form.eval_tool.setText("")
    panel.form.rounds.setValue(3)
    panel.form.runs.setValue(100000)                       # a round that would take minutes
    panel.set_model_path(str(tflite_models["int8"]))
    qtbot.mouseClick(panel.measure_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "STARTING" in panel.log.toPlainText(), timeout=30_000)
    assert panel.cancel_button.isEnabled() and not panel.measure_button.isEnabled()
    with qtbot.waitSignal(panel.measurementFailed, timeout=10_000) as failed:
        qtbot.mouseClick(panel.cancel_button, Qt.LeftButton)
    assert failed.args == ["cancelled", "cancelled"] and panel.status_label.text() == "Cancelled."
    assert panel.measure_button.isEnabled() and not panel.cancel_button.isEnabled()

    # closing the panel mid-round cancels too: its measurement has stopped when close() returns
    qtbot.mouseClick(panel.measure_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "STARTING" in panel.log.toPlainText(), timeout=30_000)
    job = panel.runner.current
    panel.close()
    assert job.cancel_requested and job.wait(0)


@pytest.mark.timeout(60)
def test_a_modified_export_is_refused_before_it_reaches_the_phone(make_panel, qtbot, phone, tools, tflite_models,
                                                                   tmp_path):
    """Deploy from the panel checks each qftune export against its report, as ``qftune deploy`` does:
    a file changed since export is named before any round runs."""
    import hashlib
    import json
    import shutil

    panel = make_panel()
    qtbot.waitUntil(lambda: panel.selected_serial() == phone.serial, timeout=3000)
    panel.form.bench_tool.setText(str(tools["benchmark"]))
    panel.form.eval_tool.setText(str(tools["eval"]))
    model = tmp_path / "m_int8.tflite"
    shutil.copy(tflite_models["int8"], model)
    recorded = hashlib.sha256(model.read_bytes()).hexdigest()
    (tmp_path / "m_int8.export.json").write_text(json.dumps({"sha256": recorded}))
    with open(model, "ab") as f:            # the file changes after its export was verified
        f.write(b"\0")
    panel.set_models({"int8": str(model)})
    rounds = []
    panel.roundMeasured.connect(lambda *a: rounds.append(a))
    with qtbot.waitSignal(panel.measurementFailed, timeout=30_000) as failed:
        qtbot.mouseClick(panel.measure_button, Qt.LeftButton)
    assert rounds == []
    assert "changed since it was exported" in failed.args[1] and str(model) in failed.args[1]
    assert panel.measure_button.isEnabled()
