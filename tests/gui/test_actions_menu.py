"""The Jobs menu is built from the one declaration of each action (gui/actions.py): every entry appears once,
in the list's order, with its tooltip and shortcut, and clicking it in the menu bar opens its dialog with the
defaults of the open session; an entry added to the list is all a new action needs to appear and open."""

from __future__ import annotations

import dataclasses

from gui_helpers import click_menu
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from gui import actions


def _menu_actions(window) -> list[QAction]:
    out = []
    for top in window.menuBar().actions():
        out += [a for a in top.menu().actions() if not a.isSeparator()]
    return out


def test_the_jobs_menu_lists_each_declared_action_once_and_each_opens_its_dialog(make_main_window, qtbot):
    app = make_main_window()                    # the bundled session
    win = app.window
    everywhere = _menu_actions(win)
    for a in actions.ACTIONS:
        found = [q for q in everywhere if q.objectName() == a.object_name]
        assert len(found) == 1, f"{a.id}: {len(found)} menu entries"
        q = found[0]
        assert (q.text(), q.toolTip(), q.statusTip()) == (a.text, a.tip, a.tip)
        assert q.shortcut() == QKeySequence(a.shortcut or "")
    texts = [q.text() for q in win.jobs_menu.actions()]
    assert texts[:len(actions.in_menu("Jobs"))] == [a.text for a in actions.in_menu("Jobs")]   # in the list's order

    for a in actions.ACTIONS:
        click_menu(qtbot, win, f"&{a.menu}", a.text)
        dlg = app.dialog
        assert dlg is not None and type(dlg) is a.dialog and dlg.isVisible(), a.id
        if a.id == "export":                    # the open session's defaults: beside it, or in the last folder
            assert dlg.values()["out"].endswith("_int8.tflite")
        elif a.id in ("evaluate", "compare", "sensitivity"):
            assert dlg.values()["data"] == app.evaluation_data()
        dlg.reject()
        qtbot.waitUntil(lambda: app.dialog is None, timeout=3000)


def test_one_entry_in_the_list_is_a_new_menu_entry_with_its_shortcut(make_main_window, qtbot, monkeypatch):
    extra = dataclasses.replace(actions.BY_ID["sensitivity"], id="sensitivity2", text="Sensitivity &Again",
                                tip="the same dialog, declared a second time", shortcut="Ctrl+Shift+Y")
    monkeypatch.setattr(actions, "ACTIONS", (*actions.ACTIONS, extra))
    monkeypatch.setitem(actions.BY_ID, extra.id, extra)
    app = make_main_window()
    win = app.window
    q = win.findChild(QAction, "sensitivity2Action")
    assert q is not None and q in win.jobs_menu.actions() and q in win.job_actions
    assert q.toolTip() == extra.tip and q.shortcut() == QKeySequence("Ctrl+Shift+Y")
    win.activateWindow()
    qtbot.keyClick(win, Qt.Key_Y, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: app.dialog is not None, timeout=3000)
    assert type(app.dialog) is extra.dialog and app.dialog.values()["data"] == app.evaluation_data()
    app.dialog.reject()
