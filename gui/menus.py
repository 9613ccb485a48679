"""The main window's menu bar: File, Edit, Jobs, View and Help, built from the declarations.

Nothing is declared here: the window's own entries (files, edits, views) are listed once in
:mod:`gui.window_actions`, each job action once in :mod:`gui.actions` (menu, text, tooltip, shortcut,
dialog, job, result handler; added where its menu's ``Placed(menu, "declared")`` stands, triggering
:meth:`gui.app.QftuneApp.open_action`). :data:`PLACERS` puts the entries that are not plain actions.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from . import actions
from .window_actions import MENUS, TIPS_SHOWN, WindowAction, in_menu


def add_action(win, menu, text, slot, shortcut=None, tip="", name=None) -> QAction:
    """A QAction of ``win`` in ``menu``: ``shortcut`` a key sequence (or a list of them), ``name`` its object name."""
    act = QAction(text, win)
    if shortcut is not None:
        act.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
    act.setToolTip(tip)
    act.setStatusTip(tip)
    act.triggered.connect(slot)
    if name:
        act.setObjectName(name)
    menu.addAction(act)
    return act


def add_declared(win, menu, name: str) -> list[QAction]:
    """The actions :mod:`gui.actions` declares for the menu ``name``, added to ``menu`` in their order."""
    app = win.app
    return [add_action(win, menu, a.text, lambda _checked=False, i=a.id: app.open_action(i), a.shortcut, a.tip,
                       a.object_name)
            for a in actions.in_menu(name)]


def add_window_action(win, menu, a: WindowAction) -> QAction:
    """The QAction of one :class:`WindowAction` in ``menu`` (kept as ``win.<a.attr>`` when it says so)."""
    act = add_action(win, menu, a.text, a.slot(win), a.shortcut, a.tip, a.object_name)
    if a.checkable:
        act.setCheckable(True)
        act.setChecked(a.checked)
    if a.wire is not None:
        a.wire(win, act)
    if a.attr:
        setattr(win, a.attr, act)
    return act


def _recent(win, menu, name: str) -> None:
    win.recent_menu = menu.addMenu("Open &Recent")
    win.app.files.recentChanged.connect(win._fill_recent)
    win._fill_recent(win.app.files.recent())


def _undo_redo(win, menu, name: str) -> None:
    """The undo stack's own actions (their text names the step), each step's live figures on hover."""
    undo = win.state.undo_stack.createUndoAction(win, "&Undo")
    undo.setShortcuts([QKeySequence.Undo])
    redo = win.state.undo_stack.createRedoAction(win, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    undo.setObjectName("undoAction")
    redo.setObjectName("redoAction")
    menu.addAction(undo)
    menu.addAction(redo)
    win.undo_action, win.redo_action = undo, redo
    win.live_panel.describe_actions(undo, redo)


def _declared(win, menu, name: str) -> None:
    added = add_declared(win, menu, name)
    if name == "Jobs":
        win.job_actions = added
        # one job at a time: while one runs, a new one cannot be asked for (a filled-in dialog would only be refused)
        win.app.runner.started.connect(lambda _job: win._jobs_enabled(False))
        win.app.runner.finished.connect(lambda _job: win._jobs_enabled(True))


def _device_measure(win, menu, name: str) -> None:
    from .device_measure import DeviceMeasure  # issue 21: the plan measured on the phone, per undo step

    win.device_measure = DeviceMeasure(win.app, win, menu)


def _dock(attr: str):
    def place(win, menu, name: str) -> None:
        dock = getattr(win, attr)
        if dock is not None:
            menu.addAction(dock.toggleViewAction())
    return place


# what a Placed entry puts in its menu: placer(window, menu, the menu's name)
PLACERS = {"recent": _recent, "undo_redo": _undo_redo, "declared": _declared, "device_measure": _device_measure,
           "separator": lambda win, menu, name: menu.addSeparator(), "results_dock": _dock("results_dock"),
           "device_dock": _dock("device_dock"), "log_dock": _dock("log_dock")}


def build_menus(win) -> None:
    """File, Edit, Jobs and View from :mod:`gui.window_actions` and :mod:`gui.actions`, then Help."""
    bar = win.menuBar()
    for name, title in MENUS:
        menu = bar.addMenu(title)
        if name in TIPS_SHOWN:
            menu.setToolTipsVisible(True)
        if name == "Jobs":
            win.jobs_menu = menu
        for entry in in_menu(name):
            if isinstance(entry, WindowAction):
                add_window_action(win, menu, entry)
            else:
                PLACERS[entry.what](win, menu, name)
    from .help_menu import add_help_menu

    add_help_menu(win)
