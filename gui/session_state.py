"""The application state the views observe: the open session, its plan, the
selection, the undo stack, the results of jobs, and whether anything is unsaved.

The plan's plain observer (``Plan.subscribe``) is turned into the Qt signal
``rangesChanged(names)``; user edits go through :meth:`set_range`, :meth:`reset`
and :meth:`accept_all`, which push :class:`gui.commands.PlanChangeCommand` on the
undo stack. Nothing here computes quantization: it calls the plan.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from .commands import PlanChangeCommand


class SessionState(QObject):
    sessionChanged = Signal()              # a different session (or none) is open: views reset
    rangesChanged = Signal(list)           # these tensors' entries changed
    selectionChanged = Signal(str)         # the selected tensor ('' for none)
    dirtyChanged = Signal(bool)
    pathChanged = Signal(str)
    resultsChanged = Signal(str)           # 'evaluate', 'compare', 'sensitivity'
    message = Signal(str)                  # notes for the status bar (nudges, tied moves, refusals)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.session = None
        self.path: str | None = None
        self.selected: str = ""
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.results: dict[str, object] = {}
        self._unsubscribe = None
        self._unsaved = False          # a session never saved (fresh calibration, restored edits)

    # ---- the session -----------------------------------------------------------------
    @property
    def plan(self):
        return None if self.session is None else self.session.plan

    @property
    def dirty(self) -> bool:
        return self._unsaved or not self.undo_stack.isClean()

    def set_session(self, session, path: str | None, unsaved: bool = False) -> None:
        """Show ``session`` (already loaded/validated); clears undo history and results.
        ``unsaved``: the session exists in no file as shown (a fresh calibration, restored
        edits), so it counts as modified until saved."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.session = session
        self.path = str(path) if path else None
        self.results = {}
        self._unsaved = bool(unsaved) and session is not None
        self.undo_stack.clear()
        self.undo_stack.setClean()
        if session is not None:
            self._unsubscribe = session.plan.subscribe(self._plan_changed)
        names = self.plan.names if self.plan is not None else []
        self.selected = ""
        self.sessionChanged.emit()
        self.pathChanged.emit(self.path or "")
        self.dirtyChanged.emit(self.dirty)
        if names:
            self.select(names[1] if len(names) > 1 else names[0])

    def mark_saved(self, path: str) -> None:
        self.path = str(path)
        self._unsaved = False
        self.undo_stack.setClean()
        self.pathChanged.emit(self.path)
        self.dirtyChanged.emit(False)

    def _clean_changed(self, clean: bool) -> None:
        self.dirtyChanged.emit(self.dirty)

    def _plan_changed(self, names: list[str]) -> None:
        self.rangesChanged.emit(list(names))

    # ---- selection ---------------------------------------------------------------------
    def select(self, name: str) -> None:
        if name == self.selected:
            return
        if name and (self.plan is None or name not in self.plan.entries):
            raise KeyError(f"no tensor named {name!r} in the open plan")
        self.selected = name
        self.selectionChanged.emit(name)

    # ---- edits (each one undoable) --------------------------------------------------------
    def _push(self, change) -> bool:
        if change.empty:
            return False
        self.undo_stack.push(PlanChangeCommand(change))
        for note in change.notes:
            self.message.emit(note)
        return True

    def apply_change(self, change) -> bool:
        """Apply a plan ``Change`` built elsewhere (``apply=False``; e.g. an autotune point) as one undoable step."""
        return self._push(change)

    def set_range(self, name: str, rmin: float, rmax: float) -> bool:
        """Override ``name``'s range; raises the plan's error (locked, NaN, min >= max) unchanged."""
        return self._push(self.plan.set_range(name, rmin, rmax, apply=False))

    def set_weight_clip(self, kernel: str, clip: float) -> bool:
        """Clip ``kernel`` (``LAYER/kernel``) per tensor at ``[-clip, clip]``, undoably (the weight view's drag)."""
        return self._push(self.plan.set_weight_range(kernel, clip, apply=False))

    def reset(self, name: str, method: str | None = None) -> bool:
        return self._push(self.plan.reset(name, method, apply=False))

    def accept_all(self, method: str = "greedy") -> bool:
        return self._push(self.plan.accept_all(method, apply=False))

    def estimate(self, name: str, rmin: float, rmax: float):
        return self.plan.estimate(name, rmin, rmax)

    # ---- results of jobs ---------------------------------------------------------------------
    def set_result(self, kind: str, result) -> None:
        self.results[kind] = result
        self.resultsChanged.emit(kind)
