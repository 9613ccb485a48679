"""User edits as undoable commands: a ``QUndoCommand`` around a plan ``Change``.

The plan builds the change record (``set_range``/``reset``/``accept_all`` with
``apply=False``); pushing the command applies it, undo reverts it. Both are
idempotent in the plan, so redo after undo restores exactly the same state.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand


class PlanChangeCommand(QUndoCommand):
    def __init__(self, change):
        super().__init__(change.description)
        self.change = change

    def redo(self) -> None:
        self.change.apply()

    def undo(self) -> None:
        self.change.revert()
