"""The main window's menu bar: File, Edit, Jobs, View and Help.

The job actions are not written here: each is declared once in :mod:`gui.actions` (menu, text, tooltip,
shortcut, dialog, job, result handler) and added to its menu in the list's order, triggering
:meth:`gui.app.QftuneApp.open_action`. The entries here are the window's own (files, edits, views).
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from . import actions


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


def build_menus(win) -> None:
    app, state = win.app, win.state
    bar = win.menuBar()
    f = bar.addMenu("&File")
    add_action(win, f, "Open Model…", app.open_model_dialog, None, "Calibrate a Keras model and tune its ranges")
    add_action(win, f, "&Open Session…", app.open_session_dialog, QKeySequence.Open, "Open a .qft session")
    win.recent_menu = f.addMenu("Open &Recent")
    app.files.recentChanged.connect(win._fill_recent)
    win._fill_recent(app.files.recent())
    win.save_action = add_action(win, f, "&Save", app.save, QKeySequence.Save, "Save the session", "saveAction")
    add_action(win, f, "Save &As…", app.save_as_dialog, QKeySequence.SaveAs, "Save the session to a new file")
    add_declared(win, f, "File")
    f.addSeparator()
    add_action(win, f, "&Quit", win.close, QKeySequence.Quit)

    e = bar.addMenu("&Edit")
    undo = state.undo_stack.createUndoAction(win, "&Undo")
    undo.setShortcuts([QKeySequence.Undo])
    redo = state.undo_stack.createRedoAction(win, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    undo.setObjectName("undoAction")
    redo.setObjectName("redoAction")
    e.addAction(undo)
    e.addAction(redo)
    win.undo_action, win.redo_action = undo, redo
    e.setToolTipsVisible(True)
    win.live_panel.describe_actions(undo, redo)      # each step's live figures on hover
    e.addSeparator()
    add_action(win, e, "Accept &Greedy", win.tensor_panel.accept_greedy, None,
               "Use the greedy range for the selected tensor (Enter in the table)")
    add_action(win, e, "Accept &All Greedy", lambda: app.accept_all("greedy"), "Ctrl+Shift+A",
               "Use the greedy range for every editable tensor (undoable)")
    add_action(win, e, "&Override Range", win._focus_editor, "Ctrl+E", "Type a min/max for the selected tensor")
    add_action(win, e, "&Find Tensor", lambda: win.table.filter.setFocus(), QKeySequence.Find,
               "Filter the table by tensor name")
    add_declared(win, e, "Edit")

    j = bar.addMenu("&Jobs")
    j.setToolTipsVisible(True)
    win.jobs_menu = j
    win.job_actions = add_declared(win, j, "Jobs")
    from .device_measure import DeviceMeasure  # issue 21: the plan measured on the phone, per undo step

    win.device_measure = DeviceMeasure(app, win, j)
    # one job at a time: while one runs, a new one cannot be asked for (a filled-in dialog
    # would only be refused)
    app.runner.started.connect(lambda _job: win._jobs_enabled(False))
    app.runner.finished.connect(lambda _job: win._jobs_enabled(True))
    j.addSeparator()
    add_action(win, j, "Cancel Job", app.runner.cancel, "Esc", "Stop the running job")

    v = bar.addMenu("&View")
    v.addAction(win.results_dock.toggleViewAction())
    win.graph_action = add_action(win, v, "&Graph", lambda on: win.show_graph(on), "Ctrl+G",
                                  "The model as a graph coloured by a metric, under the table (Weights again: "
                                  "Ctrl+G)", "graphAction")
    win.graph_action.setCheckable(True)
    win.lower_tabs.currentChanged.connect(lambda _i: win.graph_action.setChecked(win.graph_shown()))
    if win.device_dock is not None:
        v.addAction(win.device_dock.toggleViewAction())
    v.addAction(win.log_dock.toggleViewAction())
    log = add_action(win, v, "Log Counts", win.tensor_panel.view.log_counts.toggle, "Ctrl+L",
                     "Histogram counts on a log scale")
    win.compare_action = add_action(
        win, v, "Compare &Mode", lambda: app.toggle_compare_mode(), "Ctrl+M",
        "Show/hide the original and the QF MobileNet side by side (per-tensor weights), same layer in both",
        "compareModeAction")
    win.compare_action.setCheckable(True)
    from .presenter import open_presenter  # the talk's story, full screen, from its prepared cache (issue 22 §3)

    add_action(win, v, "&Presenter", lambda: setattr(win, "presenter", open_presenter(near=win)), "F5",
               "Full-screen story for a talk from `qftune present --prepare`'s cache (Esc leaves)", "presenterAction")
    log.setCheckable(True)
    log.setChecked(True)
    win.tensor_panel.view.log_counts.toggled.connect(log.setChecked)
    add_declared(win, v, "View")
    from .help_menu import add_help_menu

    add_help_menu(win)
