"""Issue 22 §2 trap 9: the export's success message outlives the status bar: View > Log keeps what
the window did, timestamped."""

from __future__ import annotations

import re

from gui_helpers import click_menu, click_run
from gui_kit import close_errors, wait_jobs
from PySide6.QtCore import Qt


def test_an_export_is_listed_in_the_log_with_its_time_after_the_status_note_is_gone(make_main_window, session_copy,
                                                                                  tmp_path, qtbot):
    app = make_main_window(str(session_copy("qf")))
    app.window.MESSAGE_TIMEOUT_MS = 200
    click_menu(qtbot, app.window, "&Jobs", "&Export…")
    dlg = app.dialog
    edit = dlg.widgets["out"].edit
    out = tmp_path / "logged_int8.tflite"
    qtbot.mouseClick(edit, Qt.LeftButton)
    qtbot.keyClick(edit, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(edit, str(out))
    click_run(qtbot, dlg)
    wait_jobs(qtbot, app, timeout=180_000)
    assert not app.errors, close_errors(app)
    assert out.exists()
    qtbot.waitUntil(lambda: app.window.status_text.text() == "", timeout=3000)      # the status note has gone
    click_menu(qtbot, app.window, "&View", "Log")        # View > Log: shown (it is a tab beside Results)
    dock = app.window.log_dock
    if not dock.isVisible():
        click_menu(qtbot, app.window, "&View", "Log")
    dock.raise_()
    qtbot.waitUntil(dock.isVisible, timeout=3000)
    lines = app.window.log_view.lines()
    wrote = [line for line in lines if f"wrote {out}" in line]
    assert wrote, lines
    assert re.match(r"\d\d:\d\d:\d\d  wrote ", wrote[-1]) and "verified against the plan" in wrote[-1]
