"""Issue 22 §2 trap 7: a plain `qftune` launch (the bundled session) after a crash says that another
session has recoverable edits, and Recover opens that session with them."""

from __future__ import annotations

import pytest
from gui_kit import wait_jobs
from PySide6.QtCore import Qt
from test_edits_and_recovery import _crashed_edit


@pytest.mark.timeout(180)
def test_plain_launch_after_a_crash_names_the_other_session_and_recovers_it(make_main_window, session_copy,
                                                                           tmp_path, qtbot):
    path = session_copy("qf")
    name, edited = _crashed_edit(path, tmp_path)
    app = make_main_window(None, profile="user")                 # plain `qftune`: the bundled session
    qtbot.waitUntil(lambda: app.crash_notice is not None and app.crash_notice.isVisible(), timeout=10_000)
    box = app.crash_notice
    assert path.name in box.text() and "did not close cleanly" in box.text() and str(path) in box.informativeText()
    recover = next(b for b in box.buttons() if b.text() == "Recover")
    qtbot.mouseClick(recover, Qt.LeftButton)
    wait_jobs(qtbot, app)
    qtbot.waitUntil(lambda: app.state.path == str(path), timeout=10_000)
    assert app.state.plan[name].method == "user" and app.state.plan[name].max == pytest.approx(edited)
    assert app.state.dirty


def test_a_clean_launch_shows_no_notice(make_main_window, qtbot):
    app = make_main_window(None, profile="clean")
    qtbot.wait(500)
    assert app.crash_notice is None
