"""A number editor that reads and writes the notation the app displays (``9.687e-05``).

``QDoubleSpinBox`` accepts only fixed-point text: while typing ``9.55e-5`` it drops the ``e`` and the
``-`` and commits 9.555, and it rounds what it shows to its decimals (``-0.000005`` for -5.176e-06).
This one accepts any float Python reads (and the half-typed states on the way to one), keeps the
value unrounded and shows it with significant digits and an exponent where needed.
"""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QEvent
from PySide6.QtGui import QKeySequence, QValidator
from PySide6.QtWidgets import QDoubleSpinBox

# the states on the way to a float: "", "-", "1.", "1e", "1e-", "-.5E+"
_INTERMEDIATE = re.compile(r"[+-]?(\d+\.?\d*|\.\d*)?([eE][+-]?)?")
DIGITS = 7          # significant digits shown: float32 ranges are exact to about 7


def format_value(v: float, digits: int = DIGITS) -> str:
    """``9.687172e-05``, ``-0.5``, ``12.34567``: the shortest of %g with ``digits`` significant digits."""
    return f"{v:.{digits}g}"


class SciSpinBox(QDoubleSpinBox):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDecimals(323)           # no rounding of the value (the text is ours, see textFromValue)
        # Ctrl+Z / Ctrl+Shift+Z: the editor's own text undo only while the user is typing in it; once
        # a value is entered (the cursor stays here after Enter) they undo/redo the window's edits
        self.typing = False
        self.lineEdit().textEdited.connect(lambda _t: setattr(self, "typing", True))
        self.editingFinished.connect(lambda: setattr(self, "typing", False))
        self.lineEdit().installEventFilter(self)

    def setValue(self, value: float) -> None:
        self.typing = False
        super().setValue(value)

    def _passes_undo(self, event) -> bool:
        if self.typing or event.type() != QEvent.ShortcutOverride:
            return False
        return any(event.matches(k) for k in (QKeySequence.Undo, QKeySequence.Redo)) or \
            event.keyCombination().toCombined() == QKeySequence("Ctrl+Shift+Z")[0].toCombined()

    def event(self, event) -> bool:
        if self._passes_undo(event):
            event.ignore()              # not ours: the window's Undo/Redo shortcut takes it
            return True
        return super().event(event)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.lineEdit() and self._passes_undo(event):
            event.ignore()
            return True
        return super().eventFilter(obj, event)

    def textFromValue(self, value: float) -> str:
        return format_value(value)

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.strip())
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        t = text.strip()
        try:
            v = float(t)
        except ValueError:
            state = QValidator.Intermediate if _INTERMEDIATE.fullmatch(t) else QValidator.Invalid
            return state, text, pos
        if not math.isfinite(v):
            return QValidator.Invalid, text, pos
        ok = self.minimum() <= v <= self.maximum()
        return (QValidator.Acceptable if ok else QValidator.Intermediate), text, pos

    def fixup(self, text: str) -> str:
        return text
