"""Calibrating the open session again: offer to keep its manual overrides (issue 22 trap 6).

A new calibration chooses every range afresh; the user's typed or dragged ranges, kernel clips and
float ops would vanish with nothing to undo. :func:`offer_to_keep` lists those that still apply to the
new plan (and those that do not, with the reason) in a dialog: Keep applies them as one undoable step
(Ctrl+Z shows the plain new calibration), Discard leaves the new calibration as it is.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QPushButton, QVBoxLayout


class KeepOverridesDialog(QDialog):
    """The list of overrides and the Keep / Discard question (non-blocking: ``finished`` answers)."""

    def __init__(self, carried, name: str, parent=None):
        super().__init__(parent)
        self.setObjectName("keepOverridesPrompt")
        self.setWindowTitle("qftune — keep your overrides?")
        n, d = len(carried.kept), len(carried.dropped)
        head = QLabel(f"<b>{name} had {n + d} manual override{'s' if n + d != 1 else ''}.</b> The new calibration "
                      f"chose every range afresh; {n} of them still appl{'y' if n != 1 else 'ies'} to it"
                      + (f", {d} no longer {'do' if d != 1 else 'does'} (listed with the reason)." if d else "."))
        head.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("overridesList")
        for line in carried.summary():
            self.list.addItem(line)
        self.list.setMinimumWidth(560)
        note = QLabel("Keep: they go on top of the new ranges as one step (Edit > Undo removes them).\n"
                      "Discard: the new calibration as it is.")
        buttons = QDialogButtonBox()
        self.keep_button = QPushButton(f"Keep {n}")
        self.keep_button.setObjectName("keepOverrides")
        self.discard_button = QPushButton("Discard")
        self.discard_button.setObjectName("discardOverrides")
        buttons.addButton(self.keep_button, QDialogButtonBox.AcceptRole)
        buttons.addButton(self.discard_button, QDialogButtonBox.RejectRole)
        self.keep_button.setEnabled(n > 0)
        self.keep_button.setDefault(n > 0)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        for w in (head, self.list, note, buttons):
            lay.addWidget(w)
        self.setAttribute(Qt.WA_DeleteOnClose)


def offer_to_keep(app, previous_plan, name: str):
    """After the open session was replaced by its new calibration: the dialog (returned) when
    ``previous_plan`` held manual overrides, else None. Keep pushes them as one undoable change."""
    from core.plan.carry import carry_overrides

    state = app.state
    carried = carry_overrides(previous_plan, state.plan, apply=False)
    if not carried.kept and not carried.dropped:
        return None
    dlg = KeepOverridesDialog(carried, name, app.window)
    plan = state.plan

    def answered(result):
        if result == QDialog.Accepted and carried.change is not None and state.plan is plan:
            state.apply_change(carried.change)
            app.log(f"kept {len(carried.kept)} manual override(s) of the previous calibration (Ctrl+Z removes them)")
        else:
            app.log(f"discarded {len(carried.kept) + len(carried.dropped)} manual override(s) of the previous "
                    "calibration")

    dlg.finished.connect(answered)
    dlg.open()
    return dlg
