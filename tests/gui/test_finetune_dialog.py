"""Jobs > Fine-tune… (issue 24) on the tiny tied session (conv, concat, max-pool, dense in one small model): a
run cancelled in its second epoch keeps its backup and writes nothing, the same options run again resume from
it, and the finished run's M_qat.qft opens from the prompt; options the CLI refuses are named in the dialog,
which stays open, and nothing runs."""

from __future__ import annotations

import json

from gui_kit import close_errors, wait_jobs
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox


def _open_dialog(app):
    app.window.findChild(QAction, "finetuneAction").trigger()
    dlg = app.dialog
    assert dlg is not None and dlg.objectName() == "FinetuneDialog"
    return dlg


def _type(qtbot, dlg, key: str, text: str) -> None:
    """Replace a field's text by typing, as a user would (select all, type)."""
    w = dlg.widgets[key]
    edit = getattr(w, "edit", None) or (w.lineEdit() if hasattr(w, "lineEdit") else w)
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(edit, text)


def _run(qtbot, dlg) -> None:
    qtbot.mouseClick(dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok), Qt.LeftButton)


def _fill(qtbot, dlg, out) -> None:
    # the tiny tied model: a step costs milliseconds, so an epoch of 200 steps leaves time to press Cancel
    for key, text in (("epochs", "2"), ("steps_per_epoch", "200"), ("batch_size", "8"), ("lr", "0.001"),
                      ("out", str(out))):
        _type(qtbot, dlg, key, text)


def test_finetune_cancelled_resumes_from_its_backup_and_opens_the_result(make_main_window, session_copy, tmp_path,
                                                                          qtbot):
    app = make_main_window(str(session_copy("tied")))
    dlg = _open_dialog(app)
    assert dlg.values()["session"] == app.state.path and dlg.values()["data"] == "embedded"
    out = tmp_path / "tiny_qat.keras"
    _fill(qtbot, dlg, out)
    _run(qtbot, dlg)
    status = app.window.job_status
    assert app.runner.busy and status.cancel_button.isVisible()
    qtbot.waitUntil(lambda: "epoch 2/2" in status.label.text() or not app.runner.busy, timeout=240_000)
    qtbot.mouseClick(status.cancel_button, Qt.LeftButton)
    wait_jobs(qtbot, app, timeout=120_000)
    assert not app.errors, close_errors(app)
    assert app.runner.history[-1].status == "cancelled"
    backup = tmp_path / "tiny_qat.backup"
    assert backup.is_dir() and not out.exists() and not (tmp_path / "tiny_qat.qft").exists()

    dlg = _open_dialog(app)                        # the same options again: the run continues from the backup
    _fill(qtbot, dlg, out)
    _run(qtbot, dlg)
    qtbot.waitUntil(lambda: app.window.findChild(QMessageBox, "openFinetunedPrompt") is not None or bool(app.errors),
                    timeout=240_000)
    assert not app.errors, close_errors(app)
    log = json.loads((tmp_path / "tiny_qat.log.json").read_text())
    assert log["runs"][-1]["from"] == "backup" and log["runs"][-1]["initial_epoch"] == 1
    assert [e["epoch"] for e in log["epochs"]] == [1, 2] and not backup.exists() and out.exists()
    prompt = app.window.findChild(QMessageBox, "openFinetunedPrompt")
    qtbot.mouseClick(prompt.button(QMessageBox.Open), Qt.LeftButton)
    qtbot.waitUntil(lambda: (app.state.path or "").endswith("tiny_qat.qft") and not app.runner.busy, timeout=120_000)
    assert app.state.session.model_path == str(out.resolve())
    assert app.state.session.calibration["finetune"]["command"] == "qftune gui (Fine-tune…)"


def test_options_the_cli_refuses_keep_the_dialog_open_and_run_nothing(make_main_window, session_copy, gui_models,
                                                                      tmp_path, qtbot):
    app = make_main_window(str(session_copy("qf")))
    jobs = len(app.runner.history)                       # opening the session was one
    dlg = _open_dialog(app)
    _type(qtbot, dlg, "lr", "0")
    _run(qtbot, dlg)
    assert dlg.isVisible() and dlg.error.isVisible() and "--lr must be > 0" in dlg.error.text()
    _type(qtbot, dlg, "lr", "0.001")
    _type(qtbot, dlg, "out", str(gui_models["qf"]))      # the session's own model
    size = gui_models["qf"].stat().st_size
    _run(qtbot, dlg)
    assert dlg.isVisible() and "refusing to overwrite" in dlg.error.text(), dlg.error.text()
    assert not app.runner.busy and len(app.runner.history) == jobs and gui_models["qf"].stat().st_size == size
    dlg.reject()
    assert not close_errors(app)
