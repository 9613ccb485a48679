"""Helpers that drive the real widgets with real mouse and keyboard events."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox


def click_menu(qtbot, window, *path: str):
    """Click through the menu bar like a user: ``click_menu(qtbot, win, "&Jobs", "&Calibrate…")``;
    a middle entry opens its sub-menu (``"&File", "Open &Recent", "qf.qft"``)."""
    bar = window.menuBar()
    menu = next(a.menu() for a in bar.actions() if a.text() == path[0])
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.actionGeometry(menu.menuAction()).center())
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    for i, text in enumerate(path[1:]):
        act = next((a for a in menu.actions() if a.text() == text), None)
        assert act is not None, f"no {text!r} in {[a.text() for a in menu.actions()]}"
        assert act.isEnabled(), f"{text!r} is disabled"
        pos = menu.actionGeometry(act).center()
        if act.menu() is not None and i < len(path) - 2:
            menu.setActiveAction(act)                  # the entry under the pointer ...
            qtbot.keyClick(menu, Qt.Key_Right)         # ... opened with the keyboard
            menu = act.menu()
            qtbot.waitUntil(menu.isVisible, timeout=3000)
        else:
            qtbot.mouseClick(menu, Qt.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: not any(isinstance(w, QMenu) and w.isVisible() for w in QApplication.topLevelWidgets()),
                    timeout=3000)


def find_box(qtbot, parent, object_name: str, timeout: int = 5000) -> QMessageBox:
    box = None

    def found():
        nonlocal box
        box = parent.findChild(QMessageBox, object_name)
        return box is not None and box.isVisible()

    qtbot.waitUntil(found, timeout=timeout)
    return box


def answer(qtbot, parent, object_name: str, button) -> None:
    """Click ``button`` in the (non-blocking) message box ``object_name`` that ``parent`` opened."""
    box = find_box(qtbot, parent, object_name)
    qtbot.mouseClick(box.button(button), Qt.LeftButton)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=3000)


def click_row(qtbot, app, name):
    table = app.window.table
    table.view.scrollTo(table.proxy.mapFromSource(table.model.index(table.model.row_of(name), 0)))
    qtbot.mouseClick(table.view.viewport(), Qt.LeftButton, pos=table.row_rect_center(name))


def type_into(qtbot, spin, text: str, enter: bool = True) -> None:
    """Click into a spin box, select its text, type ``text`` (and Enter)."""
    edit = spin.lineEdit()
    qtbot.mouseClick(edit, Qt.LeftButton)
    qtbot.keyClick(edit, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(edit, text)
    if enter:
        qtbot.keyClick(edit, Qt.Key_Return)


def click_run(qtbot, dlg) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    box = dlg.findChild(QDialogButtonBox)
    qtbot.mouseClick(box.button(QDialogButtonBox.Ok), Qt.LeftButton)
