"""Jobs from the UI on real models: export (verified .tflite honouring an override),
cancelling a long calibration (session intact, UI responsive), job errors as dialogs."""

from __future__ import annotations

import json

import numpy as np
from gui_kit import StallMeter, close_errors, wait_jobs
from PySide6.QtCore import Qt

STALL_BOUND_MS = 200.0


def test_export_from_ui_writes_tflite_with_the_override(make_main_window, session_copy, tmp_path, qtbot):
    app = make_main_window(str(session_copy("qf")))
    plan = app.state.plan
    name = plan.names[6]
    app.state.select(name)
    app.state.set_range(name, plan[name].min, 0.37 * plan[name].max)   # unsaved override
    override = plan[name].params
    assert plan[name].method == "user"

    dlg = app.open_action("export")
    out = tmp_path / "ui_int8.tflite"
    dlg.set_value("out", str(out))
    dlg.accept()
    wait_jobs(qtbot, app, timeout=180_000)
    assert not app.errors, close_errors(app)
    assert app.runner.history[-1].status == "ok"
    assert out.exists() and app.last_export == str(out)

    from ai_edge_litert.interpreter import Interpreter

    report = json.loads(out.with_suffix(".export.json").read_text())
    index = next(t["tflite_index"] for t in report["tensors"] if t["name"] == name)
    interp = Interpreter(model_path=str(out))
    detail = next(d for d in interp.get_tensor_details() if d["index"] == index)
    scales, zps = detail["quantization_parameters"]["scales"], detail["quantization_parameters"]["zero_points"]
    assert detail["dtype"] == np.int8
    assert np.float32(scales[0]) == np.float32(override.scale)
    assert int(zps[0]) == override.zero_point
    assert app.state.dirty                      # exporting does not save the session


def test_cancel_long_calibration_keeps_session_and_ui_responsive(make_main_window, session_copy, gui_models, qtbot):
    app = make_main_window(str(session_copy("qf")))
    session = app.state.session
    before = {e.name: (e.params, e.method) for e in app.state.plan}
    dlg = app.open_action("calibrate")
    dlg.set_value("model", str(gui_models["qf"]))
    dlg.set_value("data", "fashion-mnist")            # the 60,000-image training split ...
    dlg.set_value("per_class", 300)                   # ... 3,000 of them: a long job (embedded has only 100)
    meter = StallMeter(10).start()
    dlg.accept()
    job = app.runner.current
    assert job is not None and app.window.job_status.cancel_button.isVisible()
    qtbot.waitUntil(lambda: app.window.job_status.bar.value() > 0, timeout=120_000)
    qtbot.mouseClick(app.window.job_status.cancel_button, Qt.LeftButton)
    wait_jobs(qtbot, app)
    stall = meter.stop()
    assert job.status == "cancelled"
    assert app.state.session is session
    assert {e.name: (e.params, e.method) for e in app.state.plan} == before
    assert not app.state.dirty and not app.errors
    assert "cancelled" in app.window.job_status.label.text()
    print(f"longest UI stall during calibration: {stall:.1f} ms, {meter.max_wall_gap_ms:.1f} ms between ticks "
          f"with the run-queue wait (ticks: {meter.ticks})")
    # The goal is < 100 ms (the engine runs in a niced helper process). Measured here 34-56 ms
    # with the 2-core machine at load ~4.5; the bound leaves room for a busier shared runner
    # and catches a job that blocks the UI thread (a TF call on the UI thread stalls for seconds).
    # The meter leaves out the time the UI thread waited for a CPU (gui_kit.StallMeter): at load
    # ~8 that wait alone failed this test at 223 ms.
    assert stall < STALL_BOUND_MS, (f"the UI froze for {stall:.0f} ms during a job "
                                    f"({meter.max_wall_gap_ms:.0f} ms between ticks)")


def test_job_error_shows_readable_dialog_with_details(make_main_window, session_copy, tmp_path, qtbot):
    app = make_main_window(str(session_copy("qf")))
    not_a_model = tmp_path / "notes.keras"
    not_a_model.write_text("this is not a model")
    dlg = app.open_action("calibrate")
    dlg.set_value("model", str(not_a_model))
    dlg.accept()
    wait_jobs(qtbot, app)
    qtbot.waitUntil(lambda: bool(app.errors))
    box = app.errors[0]
    assert "notes.keras" in box.informativeText() + box.detailedText()
    assert "Traceback" in box.detailedText()
    close_errors(app)


def test_export_from_ui_records_the_sessions_convention_and_can_correct_biases(make_main_window, session_copy,
                                                                               tmp_path, qtbot):
    """The GUI's export writes the session's input convention into the report (evaluate and the device
    path read it from there) and offers the CLI's bias correction."""
    from core.models.convention import InputConvention
    from core.session import Session

    path = session_copy("qf")
    session = Session.load(str(path))
    user = InputConvention((1 / 255,), (0.0,), "pixel/255 set by the user", "user")
    session.calibration["input_convention"] = user.to_dict()
    session.save(str(path), force=True)
    app = make_main_window(str(path))
    dlg = app.open_action("export")
    out = tmp_path / "bc_int8.tflite"
    dlg.set_value("out", str(out))
    dlg.set_value("bias_correction", "empirical")
    dlg.accept()
    wait_jobs(qtbot, app, timeout=180_000)
    assert not app.errors, close_errors(app)
    report = json.loads(out.with_suffix(".export.json").read_text())
    assert report["input_convention"]["name"] == "pixel/255 set by the user"
    bc = report["bias_correction"]
    assert bc["mode"] == "empirical" and bc["images"] > 0
