"""Issue 11, items 8, 10 and 12: status messages that go away (errors once resolved), a
usable 1024x700 window, edge highlights that end with the drag, the int8-grid note beside
the editors — with real mouse and keyboard events."""

from __future__ import annotations

from gui_helpers import click_row, type_into
from PySide6.QtCore import Qt
from test_main_window import drag


def test_errors_clear_when_resolved_and_notes_time_out(make_main_window, session_copy, qtbot, monkeypatch):
    from gui.job_status import JobStatusWidget
    from gui.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "MESSAGE_TIMEOUT_MS", 300)
    monkeypatch.setattr(JobStatusWidget, "DONE_TIMEOUT_MS", 300)
    app = make_main_window(str(session_copy("qf")))
    win = app.window
    win.activateWindow()
    qtbot.waitUntil(lambda: win.job_status.label.text() == "", timeout=3000)     # "Opening … done" goes
    plan = app.state.plan
    name = next(n for n in plan.names[3:] if not plan[n].locked and plan[n].max > 1)
    click_row(qtbot, app, name)
    type_into(qtbot, win.tensor_panel.view.min_edit, f"{plan[name].max + 2:.3f}")   # min above max
    assert "must be below" in win.status_text.text()
    qtbot.wait(600)
    assert "must be below" in win.status_text.text()                   # an error stays until resolved ...
    qtbot.mouseClick(win.tensor_panel.accept_button, Qt.LeftButton)    # ... a valid reset resolves it
    assert win.status_text.text() == ""

    type_into(qtbot, win.tensor_panel.view.max_edit, f"{0.5 * plan[name].max:.4f}")
    qtbot.keyClick(win, Qt.Key_S, Qt.ControlModifier)                  # Save confirms ...
    assert win.status_text.text().startswith("Saved ") and not app.state.dirty
    qtbot.waitUntil(lambda: win.status_text.text() == "", timeout=3000)   # ... and the note times out


def test_1024x700_shows_sqnr_elides_with_tooltips_and_the_results_fold(make_main_window, qtbot):
    from gui.layer_table import COL

    app = make_main_window(None)                                       # the bundled MobileNetV2 session
    win = app.window
    win.resize(1024, 700)
    win.fit_layout()
    qtbot.waitUntil(lambda: win.width() == 1024, timeout=3000)
    view = win.table.view
    x, w = view.columnViewportPosition(COL["sqnr"]), view.columnWidth(COL["sqnr"])
    assert 0 <= x and x + w <= view.viewport().width()                 # est. SQNR fully visible
    panel = win.tensor_panel
    full = panel.candidates.full_text()
    assert panel.candidates.toolTip() == full and panel.candidates.height() < 30     # one line
    assert panel.candidates.width() <= panel.width()
    title = panel.view.title
    assert title.toolTip() == title.full_text() and app.state.selected in title.full_text()
    for caption in (win.results.sqnr_caption, win.results.sensitivity_caption):
        assert caption.sizePolicy().horizontalPolicy().name == "Ignored"

    before = panel.view.plot.height()
    button = win.results_dock.titleBarWidget().button
    qtbot.mouseClick(button, Qt.LeftButton)                            # fold the results strip
    qtbot.waitUntil(lambda: panel.view.plot.height() > before + 80, timeout=3000)
    assert not win.results.isVisible()
    qtbot.mouseClick(button, Qt.LeftButton)                            # unfold
    qtbot.waitUntil(lambda: win.results.isVisible() and panel.view.plot.height() < before + 40, timeout=3000)


def test_edge_highlight_ends_with_the_drag_and_typed_ranges_say_they_were_nudged(make_main_window, session_copy,
                                                                                  qtbot):
    app = make_main_window(str(session_copy("qf")))
    win = app.window
    win.activateWindow()
    plan = app.state.plan
    name = max((n for n in plan.names[1:] if not plan[n].locked), key=lambda n: plan[n].max)
    click_row(qtbot, app, name)
    view = win.tensor_panel.view
    line = view.region.lines[1]
    drag(qtbot, view.plot, plan[name].max, 0.5 * plan[name].max)
    assert plan[name].method == "user"
    qtbot.waitUntil(lambda: line.currentPen is line.pen, timeout=1000)  # not the orange hover pen
    qtbot.keyClick(win, Qt.Key_Z, Qt.ControlModifier)
    assert plan[name].method != "user" and line.currentPen is line.pen

    assert not view.nudge_note.text()
    type_into(qtbot, view.max_edit, "3.0")
    note = view.nudge_note
    assert note.isVisible() and "nudged to the int8 grid" in note.text() and "max 3 →" in note.text()
    assert f"{plan[name].max:.6g}" in note.text()
    click_row(qtbot, app, plan.names[2])                               # another tensor: the note goes
    assert not note.text()
