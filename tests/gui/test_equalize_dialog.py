"""Jobs > Equalize Model… (issue 12): writes the equalized model, then opens its calibrated plan;
an output over the input is refused with a readable error and nothing is written."""

from __future__ import annotations

import json

from gui_kit import close_errors, wait_jobs
from PySide6.QtGui import QAction


def test_equalize_from_the_jobs_menu_writes_and_opens_the_model(make_main_window, session_copy, gui_models,
                                                                 tmp_path, qtbot):
    app = make_main_window(str(session_copy("qf")))
    before = app.state.session
    app.window.findChild(QAction, "equalizeAction").trigger()
    dlg = app.dialog
    assert dlg is not None and dlg.objectName() == "EqualizeDialog"
    out = tmp_path / "tiny_eq.keras"
    dlg.set_value("model", str(gui_models["qf"]))
    dlg.set_value("out", str(out))
    dlg.accept()
    qtbot.waitUntil(lambda: (app.state.session is not before and not app.runner.busy) or bool(app.errors),
                    timeout=240_000)
    assert not app.errors, close_errors(app)
    assert out.exists()
    report = json.loads(out.with_name("tiny_eq.dfq.json").read_text())
    assert report["check"]["max_rel_diff_vs_input"] < 1e-4 and len(report["pairs"]) > 0
    # the job's result is what qftune equalize --json prints: the log line reads its pairs and depthwise spread
    dw = [r for r in report["spread"] if r["type"] == "DepthwiseConv2D"]
    line = next(m for m in app.messages if m.startswith(f"wrote {out}: "))
    assert f"{len(report['pairs'])} pairs equalized" in line
    assert f"depthwise spread {max(r['spread_before'] for r in dw):.2f}x -> " in line
    assert app.state.session.model_path.endswith("tiny_eq.keras")       # its plan is open, calibrated


def test_equalize_over_the_input_is_refused(make_main_window, session_copy, gui_models, qtbot):
    app = make_main_window(str(session_copy("qf")))
    size = gui_models["qf"].stat().st_size
    dlg = app.open_action("equalize")
    dlg.set_value("model", str(gui_models["qf"]))
    dlg.set_value("out", str(gui_models["qf"]))
    dlg.accept()
    wait_jobs(qtbot, app)
    # refused before any work, in the dialog itself, which stays open with the options filled in
    assert dlg.isVisible() and dlg.error.isVisible()
    assert "refusing to overwrite the input" in dlg.error.text()
    assert not close_errors(app)
    dlg.reject()
    assert gui_models["qf"].stat().st_size == size
