"""Issue 22 §2 items 12 and 14: job dialogs wide enough to read a path, one wording for "no limit",
no "drop -0.30 points" when int8 beats float; a Help menu (shortcuts, local docs, About with versions)."""

from __future__ import annotations

from importlib.metadata import version

from gui_helpers import click_menu, find_box
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QMessageBox


def test_job_dialogs_show_paths_and_say_no_limit_alike(make_main_window, gui_sessions, qtbot):
    app = make_main_window(str(gui_sessions["qf"]))
    long_path = "/home/someone/projects/conference-demo/exports/mobilenet_v2_224_imagenet_int8.tflite"
    app.last_export = long_path
    for entry, field in (("E&valuate…", "model"), ("C&ompare…", "tflite")):
        click_menu(qtbot, app.window, "&Jobs", entry)
        dlg = app.dialog
        edit = dlg.widgets[field].edit
        assert edit.text() == long_path
        edit.setCursorPosition(0)
        assert edit.width() > edit.fontMetrics().horizontalAdvance(long_path) * 0.75, (entry, edit.width())
        dlg.close()
        qtbot.waitUntil(lambda: app.dialog is None, timeout=3000)
    for entry in ("E&valuate…", "&Sensitivity…", "&Calibrate…"):
        click_menu(qtbot, app.window, "&Jobs", entry)
        assert app.dialog.widgets["limit"].text() == "no limit", entry
        app.dialog.close()
        qtbot.waitUntil(lambda: app.dialog is None, timeout=3000)


def test_int8_beating_float_is_a_gain_not_a_negative_drop(make_main_window, gui_sessions, qtbot):
    app = make_main_window(str(gui_sessions["qf"]))
    run = {"top1": 0.70, "top5": 0.95, "n_images": 100, "latency_ms_median": 1.0, "runtime": "LiteRT", "threads": 1}
    app.state.set_result("evaluate", {"float": run, "int8": dict(run, top1=0.703)})     # as the engine returns it
    text = app.window.results.summary.text()
    assert "gain 0.30 points" in text and "drop -" not in text, text


def test_help_menu_lists_shortcuts_docs_and_versions(make_main_window, gui_sessions, qtbot):
    app = make_main_window(str(gui_sessions["qf"]))
    win = app.window
    click_menu(qtbot, win, "&Help", "&Keyboard Shortcuts")
    box = find_box(qtbot, win, "shortcutsBox")
    assert "Ctrl+Z" in box.text() and "Ctrl+E" in box.text() and "Override Range" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.Close), Qt.LeftButton)
    click_menu(qtbot, win, "&Help", "&Documentation")
    box = find_box(qtbot, win, "docsBox")
    assert "README.md" in box.text() and "file://" in box.text() and "int8-spec.md" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.Close), Qt.LeftButton)
    click_menu(qtbot, win, "&Help", "&About qftune")
    box = find_box(qtbot, win, "aboutBox")
    for name, v in (("TensorFlow", version("tensorflow")), ("LiteRT", version("ai-edge-litert")), ("Qt", qVersion()),
                    ("qftune", version("qftune"))):
        assert name in box.text() and v in box.text(), (name, v)
    qtbot.mouseClick(box.button(QMessageBox.Close), Qt.LeftButton)
    qtbot.waitUntil(lambda: win.findChild(QMessageBox, "aboutBox") is None, timeout=3000)


def test_export_to_a_folder_that_cannot_be_written_says_so_before_any_work(make_main_window, session_copy, qtbot):
    from gui_helpers import click_run
    from gui_kit import close_errors, wait_jobs

    app = make_main_window(str(session_copy("qf")))
    click_menu(qtbot, app.window, "&Jobs", "&Export…")
    dlg = app.dialog
    dlg.set_value("out", "/proc/x.tflite")
    click_run(qtbot, dlg)
    wait_jobs(qtbot, app)
    qtbot.waitUntil(lambda: bool(app.errors), timeout=10_000)
    box = app.errors[0]
    text = box.informativeText()
    assert "the folder /proc is not writable" in text and "choose another folder" in text, text
    assert ".tmp" not in text and not box.detailedText()          # no internal temp file, no raw traceback
    close_errors(app)
