"""The window's own menu entries (files, edits, views), declared once, in menu order.

A :class:`WindowAction` is one plain menu entry: its id (its QAction's object name is ``f"{id}Action"``),
menu, text with its mnemonic, shortcut, tooltip and the slot it triggers (``slot(window)`` gives the
callable, resolved when the menu is built). A :class:`Placed` marks where :mod:`gui.menus` puts an entry
that is not a plain action: the Open Recent submenu, the undo stack's Undo/Redo, a dock's show/hide
toggle, the job actions of :mod:`gui.actions`, a separator. The job actions (dialogs and their jobs) are
declared in :mod:`gui.actions`; this list is what the window itself does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QKeySequence

Shortcut = str | QKeySequence.StandardKey | None

MENUS: tuple[tuple[str, str], ...] = (("File", "&File"), ("Edit", "&Edit"), ("Jobs", "&Jobs"), ("View", "&View"))
TIPS_SHOWN = ("Edit", "Jobs")           # menus whose entries show their tooltip on hover


@dataclass(frozen=True)
class WindowAction:
    id: str                                 # also its QAction's object name: f"{id}Action"
    menu: str                               # the menu bar's menu it sits in (a key of MENUS)
    text: str                               # the menu text, with its mnemonic (&)
    slot: Callable[[Any], Callable]         # slot(window) -> what its triggered signal calls
    shortcut: Shortcut = None
    tip: str = ""                           # tooltip and status tip
    checkable: bool = False
    checked: bool = False
    attr: str | None = None                 # the window attribute that keeps it (``save_action``)
    wire: Callable[[Any, Any], None] | None = None   # wire(window, qaction): keeps a checkable in step

    @property
    def object_name(self) -> str:
        return f"{self.id}Action"


@dataclass(frozen=True)
class Placed:
    """Where :mod:`gui.menus` places an entry that is not a plain action (``what``: one of its PLACERS)."""
    menu: str
    what: str


def _presenter(win):
    from .presenter import open_presenter  # the talk's story, full screen, from its prepared cache (issue 22 §3)

    win.presenter = open_presenter(near=win)


def _keep_graph_checked(win, act) -> None:
    win.lower_tabs.currentChanged.connect(lambda _i: act.setChecked(win.graph_shown()))


def _keep_log_checked(win, act) -> None:
    win.tensor_panel.view.log_counts.toggled.connect(act.setChecked)


ENTRIES: tuple[WindowAction | Placed, ...] = (
    WindowAction("openModel", "File", "Open Model…", lambda w: w.app.open_model_dialog,
                 tip="Calibrate a Keras model and tune its ranges"),
    WindowAction("openSession", "File", "&Open Session…", lambda w: w.app.open_session_dialog, QKeySequence.Open,
                 "Open a .qft session"),
    Placed("File", "recent"),
    WindowAction("save", "File", "&Save", lambda w: w.app.save, QKeySequence.Save, "Save the session",
                 attr="save_action"),
    WindowAction("saveAs", "File", "Save &As…", lambda w: w.app.save_as_dialog, QKeySequence.SaveAs,
                 "Save the session to a new file"),
    Placed("File", "declared"),
    Placed("File", "separator"),
    WindowAction("quit", "File", "&Quit", lambda w: w.close, QKeySequence.Quit),

    Placed("Edit", "undo_redo"),
    Placed("Edit", "separator"),
    WindowAction("acceptGreedy", "Edit", "Accept &Greedy", lambda w: w.tensor_panel.accept_greedy,
                 tip="Use the greedy range for the selected tensor (Enter in the table)"),
    WindowAction("acceptAllGreedy", "Edit", "Accept &All Greedy", lambda w: lambda: w.app.accept_all("greedy"),
                 "Ctrl+Shift+A", "Use the greedy range for every editable tensor (undoable)"),
    WindowAction("overrideRange", "Edit", "&Override Range", lambda w: w._focus_editor, "Ctrl+E",
                 "Type a min/max for the selected tensor"),
    WindowAction("findTensor", "Edit", "&Find Tensor", lambda w: lambda: w.table.filter.setFocus(),
                 QKeySequence.Find, "Filter the table by tensor name"),
    Placed("Edit", "declared"),

    Placed("Jobs", "declared"),
    Placed("Jobs", "device_measure"),
    Placed("Jobs", "separator"),
    WindowAction("cancelJob", "Jobs", "Cancel Job", lambda w: w.app.runner.cancel, "Esc", "Stop the running job"),

    Placed("View", "results_dock"),
    WindowAction("graph", "View", "&Graph", lambda w: lambda on: w.show_graph(on), "Ctrl+G",
                 "The model as a graph coloured by a metric, under the table (Weights again: Ctrl+G)",
                 checkable=True, attr="graph_action", wire=_keep_graph_checked),
    Placed("View", "device_dock"),
    Placed("View", "log_dock"),
    WindowAction("logCounts", "View", "Log Counts", lambda w: w.tensor_panel.view.log_counts.toggle, "Ctrl+L",
                 "Histogram counts on a log scale", checkable=True, checked=True, wire=_keep_log_checked),
    WindowAction("compareMode", "View", "Compare &Mode", lambda w: lambda: w.app.toggle_compare_mode(), "Ctrl+M",
                 "Show/hide the original and the QF MobileNet side by side (per-tensor weights), same layer in both",
                 checkable=True, attr="compare_action"),
    WindowAction("presenter", "View", "&Presenter", lambda w: lambda: _presenter(w), "F5",
                 "Full-screen story for a talk from `qftune present --prepare`'s cache (Esc leaves)"),
    Placed("View", "declared"),
)


def in_menu(menu: str) -> list[WindowAction | Placed]:
    """The entries of ``menu`` in declaration order."""
    return [e for e in ENTRIES if e.menu == menu]
