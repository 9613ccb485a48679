"""The selected tensor: its histogram view, live readouts and per-tensor actions.

Connects :class:`gui.histogram_view.HistogramView` to the state: selection shows
a tensor, a drag previews (plan estimate -> readouts, synchronously, on every
mouse move) and commits (an undoable ``set_range``), plan changes move the region.
Refusals from the plan (locked, min >= max, NaN) appear in the status line and the
view snaps back to the plan's range.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QMenu, QPushButton, QToolButton, QVBoxLayout, QWidget

from .elided_label import ElidedLabel
from .histogram_view import HistogramView
from .session_state import SessionState


def _describe(tensor) -> str:
    """``"DEPTHWISE_CONV_2D · 7×7×96 · fuses block5_dw, block5_dw_bn"`` for the histogram title."""
    parts = [tensor.op, "×".join(str(d) for d in tensor.shape)]
    if len(tensor.layers) > 1:
        parts.append("fuses " + ", ".join(tensor.layers))
    return " · ".join(parts)


def near_constant(hist) -> str:
    """The explanation of a tensor whose calibration values are (nearly) one value, or ''."""
    if hist is None or getattr(hist, "empty", False):
        return ""
    lo, hi = float(hist.min), float(hist.max)
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > 1e-6 * max(1.0, abs(lo), abs(hi)):
        return ""
    return (f"(Near) constant: every calibration value lies in [{lo:.4g}, {hi:.4g}], so this tensor carries "
            "(almost) no signal and its est. SQNR (often about -60 dB at the range floor) means nothing. Typical "
            "of an untrained model or a dead channel; it costs no accuracy.")


class TensorPanel(QWidget):
    refused = Signal(str)          # a refused edit, phrased for the user
    accepted = Signal()            # an edit or reset went through (an earlier refusal is resolved)

    def __init__(self, state: SessionState, parent=None):
        super().__init__(parent)
        self.state = state
        self.view = HistogramView()
        self.accept_button = QPushButton("Accept greedy")
        self.accept_button.setObjectName("acceptGreedy")
        self.accept_button.setToolTip("Use the greedy range for this tensor (Enter in the table)")
        self.accept_button.clicked.connect(self.accept_greedy)
        self.reset_button = QToolButton()
        self.reset_button.setText("Reset to ▾")
        self.reset_button.setPopupMode(QToolButton.InstantPopup)
        self.reset_menu = QMenu(self.reset_button)
        self.reset_button.setMenu(self.reset_menu)
        self.candidates = ElidedLabel("")          # one line in any window; all of it in the tooltip
        self.candidates.setObjectName("candidates")
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.candidates, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view, 1)
        lay.addLayout(buttons)

        self.view.rangePreview.connect(self.preview)
        self.view.rangeCommitted.connect(self.commit)

        state.selectionChanged.connect(self._show_selected)
        state.rangesChanged.connect(self._ranges_changed)
        state.sessionChanged.connect(self._session_changed)
        self._session_changed()

    # ---- state -> view ------------------------------------------------------------------
    def _session_changed(self) -> None:
        self.reset_menu.clear()
        plan = self.state.plan
        if plan is None:
            self.view.clear()
            return
        from core.choosers import METHODS

        for m, description in METHODS.items():
            act = self.reset_menu.addAction(m, lambda m=m: self.reset_to(m))
            act.setToolTip(description)

    def _show_selected(self, name: str) -> None:
        plan = self.state.plan
        if not name or plan is None:
            self.view.clear()
            return
        e = plan[name]
        locked = e.locked
        group = plan.group(name)
        notes = []
        if len(group) > 1:
            notes.append("Tied with " + ", ".join(n for n in group if n != name) +
                         " — TFLite gives them one scale and zero point, so moving this range moves them too.")
        if locked:
            notes.append("Locked (cannot move): " + locked)
        constant = near_constant(e.stats)
        if constant:
            notes.append(constant)
        if e.tensor.op == "INPUT" and self.state.session is not None:
            from core.models.convention import resolve_convention

            notes.append("Input convention " + resolve_convention(session=self.state.session).describe() +
                         "; the int8 input's range follows it.")
        greedy = None
        landscape = None
        if not locked:
            g = plan.candidate(name, "greedy")
            greedy = (g.min, g.max)
            ls = g.landscape
            if ls is not None:
                landscape = (ls.steps, ls.costs)
        self.view.show_tensor(name, e.stats, (e.min, e.max), greedy=greedy, landscape=landscape,
                              editable=not locked, constraint="\n".join(notes), info=_describe(e.tensor))
        self._show_readouts(e.estimate())
        self.accept_button.setEnabled(not locked)
        self.reset_button.setEnabled(not locked)
        if locked:
            self.candidates.set_full_text("")
        else:
            parts = [f"{m}: [{c.min:.4g}, {c.max:.4g}]" for m, c in plan.candidates(name).items()]
            self.candidates.set_full_text("  ".join(parts))

    def _ranges_changed(self, names: list[str]) -> None:
        sel = self.state.selected
        if sel and sel in names:
            e = self.state.plan[sel]
            self.view.show_nudge("")          # about the edit that moved it, if any (commit says it again)
            self.view.set_range(e.min, e.max)
            self._show_readouts(e.estimate())

    def _show_readouts(self, est) -> None:
        p = est.params
        self.view.set_readouts(mse=est.mse, sqnr_db=est.sqnr_db, saturation=est.saturated_fraction,
                               scale=p.scale, zero_point=p.zero_point)

    # ---- view -> state -------------------------------------------------------------------
    def preview(self, lo: float, hi: float) -> None:
        """Live readouts for the range under the cursor (plan estimate, no edit)."""
        name = self.state.selected
        if not name:
            return
        try:
            est = self.state.estimate(name, lo, hi)
        except ValueError:
            return
        self._show_readouts(est)

    def commit(self, lo: float, hi: float) -> None:
        name = self.state.selected
        if not name:
            return
        try:
            changed = self.state.set_range(name, lo, hi)
        except ValueError as exc:
            self._refuse(name, str(exc))
            return
        self.accepted.emit()
        e = self.state.plan[name]
        moved = [f"{which} {asked:.6g} → {got:.6g}" for which, asked, got in (("min", lo, e.min), ("max", hi, e.max))
                 if abs(asked - got) > 1e-9 * max(1.0, abs(asked))]
        shown = changed and moved and self.view.last_commit_typed
        self.view.show_nudge(("nudged to the int8 grid: " + ", ".join(moved)) if shown else "")

    def accept_greedy(self) -> None:
        self.reset_to("greedy")

    def reset_to(self, method: str) -> None:
        name = self.state.selected
        if not name:
            return
        try:
            self.state.reset(name, method)
        except ValueError as exc:
            self._refuse(name, str(exc))
            return
        self.accepted.emit()

    def _refuse(self, name: str, message: str) -> None:
        e = self.state.plan[name]
        self.view.set_range(e.min, e.max)
        self._show_readouts(e.estimate())
        self.refused.emit(message)
