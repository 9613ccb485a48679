"""The result of Jobs > Autotune…: its Pareto chart in a window of the main window, and loading a
clicked point's plan into the open session as ONE undoable change (Edit > Undo / Ctrl+Z restores)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .pareto_chart import ParetoChart
from .session_state import SessionState


class AutotuneResult(QObject):
    def __init__(self, state: SessionState, window: QWidget, parent=None):
        super().__init__(parent)
        self.state, self.main_window = state, window
        self.window: QWidget | None = None
        self.chart: ParetoChart | None = None

    def show(self, doc: dict) -> ParetoChart:
        """Show ``doc`` (the autotune report) in the Pareto window, made on first use."""
        if self.window is None:
            self.window = QWidget(self.main_window, Qt.Window)
            self.window.setObjectName("autotuneWindow")
            self.window.resize(1000, 460)
            self.chart = ParetoChart(self.window)
            self.chart.pointChosen.connect(self.load_point)
            QVBoxLayout(self.window).addWidget(self.chart)
            # Ctrl+Z / Ctrl+Shift+Z work where the point was clicked (the main window's keys, the same undo stack)
            stack = self.state.undo_stack
            redo_keys = [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
            for act, keys in ((stack.createUndoAction(self.window, "Undo"), [QKeySequence.Undo]),
                              (stack.createRedoAction(self.window, "Redo"), redo_keys)):
                act.setShortcuts(keys)
                self.window.addAction(act)
        out = doc.get("out") or ""
        self.window.setWindowTitle(f"qftune — Autotune: Pareto front ({out})" if out else "qftune — Autotune")
        self.chart.show_result(doc)
        self.window.show()
        self.window.raise_()
        return self.chart

    def load_point(self, row: dict) -> bool:
        """Load ``row``'s plan into the open session (one undoable change); a refusal is shown, nothing changes."""
        from core.autotune.apply import point_change
        from core.plan.checks import PlanError

        if self.state.plan is None:
            self.state.message.emit("no session is open: open the session autotune ran on first")
            return False
        try:
            change = point_change(self.state.plan, row)
        except PlanError as exc:
            self.state.message.emit(str(exc))
            return False
        if not self.state.apply_change(change):
            self.state.message.emit(f"autotune point #{row.get('index')}: the session already holds this plan")
            return False
        self.state.message.emit(f"loaded {change.description} (Ctrl+Z undoes it)")
        return True

