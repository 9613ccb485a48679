"""Issue 22 §2 trap 6: Jobs > Calibrate on a saved session with manual overrides offers to keep those
that still apply (listed; Keep / Discard); kept, they are one undoable step."""

from __future__ import annotations

from gui_helpers import click_menu, click_row, click_run, type_into
from gui_kit import close_errors, wait_jobs
from PySide6.QtCore import Qt


def _saved_with_override(make_main_window, session_copy, qtbot):
    path = session_copy("tied")
    app = make_main_window(str(path))
    app.window.activateWindow()
    qtbot.waitUntil(app.window.isActiveWindow, timeout=3000)
    click_row(qtbot, app, "conv_a")
    view = app.window.tensor_panel.view
    type_into(qtbot, view.max_edit, "0.75")
    assert app.state.plan["conv_a"].method == "user"
    qtbot.keyClick(app.window.table.view, Qt.Key_S, Qt.ControlModifier)        # Ctrl+S: a saved session
    assert not app.state.dirty
    return app, path


def _calibrate_again(app, qtbot):
    old = app.state.session
    click_menu(qtbot, app.window, "&Jobs", "&Calibrate…")
    dlg = app.dialog
    assert dlg.values()["model"] and dlg.values()["data"] == "embedded"
    click_run(qtbot, dlg)
    wait_jobs(qtbot, app, timeout=120_000)
    assert not app.errors, close_errors(app)
    assert app.state.session is not old
    qtbot.waitUntil(lambda: app.keep_prompt is not None and app.keep_prompt.isVisible(), timeout=5000)
    return app.keep_prompt


def test_calibrating_a_saved_session_again_offers_to_keep_its_overrides_undoably(make_main_window, session_copy,
                                                                                  qtbot):
    app, _ = _saved_with_override(make_main_window, session_copy, qtbot)
    prompt = _calibrate_again(app, qtbot)
    lines = [prompt.list.item(i).text() for i in range(prompt.list.count())]
    assert any(line.startswith("kept conv_a: range [") and ", 0.75]" in line for line in lines), lines
    qtbot.mouseClick(prompt.keep_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not prompt.isVisible(), timeout=3000)
    plan = app.state.plan
    assert plan["conv_a"].method == "user" and abs(plan["conv_a"].max - 0.75) < 0.01
    assert app.state.dirty                                            # the new calibration, unsaved
    app.window.activateWindow()
    qtbot.waitUntil(app.window.isActiveWindow, timeout=3000)
    qtbot.keyClick(app.window.table.view, Qt.Key_Z, Qt.ControlModifier)       # Ctrl+Z: the plain new calibration
    assert plan["conv_a"].method != "user"
    qtbot.keyClick(app.window.table.view, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert plan["conv_a"].method == "user"
    assert any("kept 1 manual override" in m for m in app.messages)


def test_discard_leaves_the_new_calibration_as_chosen(make_main_window, session_copy, qtbot):
    app, _ = _saved_with_override(make_main_window, session_copy, qtbot)
    prompt = _calibrate_again(app, qtbot)
    qtbot.mouseClick(prompt.discard_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not prompt.isVisible(), timeout=3000)
    assert app.state.plan["conv_a"].method != "user"
    assert not app.state.undo_stack.canUndo()
