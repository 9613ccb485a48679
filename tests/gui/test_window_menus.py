"""The window's own File/Edit/View/Jobs entries are built from their one declaration (gui/window_actions.py):
each appears once, in its menu and in the list's order, with its text, tooltip, shortcut and object name;
an entry added to the list is all a new window action needs to appear and run by its shortcut."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from gui import window_actions
from gui.window_actions import MENUS, WindowAction


def _entries(menu) -> list[QAction]:
    return [a for a in menu.actions() if not a.isSeparator()]


def test_every_window_action_appears_once_in_its_menu_in_the_lists_order(make_main_window):
    app = make_main_window(open=False)
    win = app.window
    menus = {top.text(): top.menu() for top in win.menuBar().actions()}
    for name, title in MENUS:
        declared = [e for e in window_actions.in_menu(name) if isinstance(e, WindowAction)]
        shown = [q for q in _entries(menus[title]) if q.objectName() in {a.object_name for a in declared}]
        assert [q.objectName() for q in shown] == [a.object_name for a in declared], name     # once, in order
        for a, q in zip(declared, shown, strict=True):
            assert q.text() == a.text and q.statusTip() == a.tip and (q.toolTip() == a.tip or not a.tip)
            assert q.shortcut() == QKeySequence(a.shortcut or ""), a.id
            assert q.isCheckable() == a.checkable and q.isChecked() == a.checked, a.id
            if a.attr:
                assert getattr(win, a.attr) is q
    # the entries tests and users reach by name keep their names
    for name in ("saveAction", "graphAction", "compareModeAction", "presenterAction", "undoAction", "redoAction"):
        assert len(win.findChildren(QAction, name)) == 1, name
    assert win.jobs_menu.title() == "&Jobs" and win.recent_menu.title() == "Open &Recent"


def test_one_entry_in_the_list_is_a_new_menu_entry_that_runs_by_its_shortcut(make_main_window, qtbot, monkeypatch):
    calls = []
    extra = WindowAction("tidy", "Edit", "&Tidy Up", lambda w: lambda: calls.append(w), "Ctrl+Shift+U",
                         "a window action declared once")
    entries = list(window_actions.ENTRIES)
    entries.insert(entries.index(next(e for e in entries if getattr(e, "id", "") == "findTensor")) + 1, extra)
    monkeypatch.setattr(window_actions, "ENTRIES", tuple(entries))
    app = make_main_window()
    win = app.window
    q = win.findChild(QAction, "tidyAction")
    edit = next(top.menu() for top in win.menuBar().actions() if top.text() == "&Edit")
    names = [a.objectName() for a in _entries(edit)]
    assert names.index("tidyAction") == names.index("findTensorAction") + 1
    assert q.toolTip() == extra.tip and q.shortcut() == QKeySequence("Ctrl+Shift+U")
    win.activateWindow()
    qtbot.keyClick(win, Qt.Key_U, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: calls == [win], timeout=3000)
