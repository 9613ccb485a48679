"""The Device panel's live results: latency per round against the LPIRC budget, and the table beside it.

Inside a scrolled dock the wheel over the plot scrolls the panel; the plot zooms on the
wheel only once it has been clicked (it has focus then).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QHeaderView, QScrollArea, QSizePolicy, QTableWidget, QTableWidgetItem

from core.device import LPIRC_BUDGET_MS
from core.device.summary import format_ms

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
ROWS = ["latency, last round (ms)", "latency, best round (ms)", "within 30 ms budget", "top-1 on the device", "note"]


class RoundAxis(pg.AxisItem):
    """Rounds are whole numbers: ticks only at integers (no round 0.1 .. 0.9 on an empty plot)."""

    def tickValues(self, minVal, maxVal, size):
        import math

        levels = []
        for spacing, _values in super().tickValues(minVal, maxVal, size):
            step = max(1, round(spacing))
            ticks = [v for v in range(math.ceil(minVal), math.floor(maxVal) + 1) if v % step == 0]
            if ticks:
                levels.append((step, ticks))
                break
        return levels


FIRST_ROUNDS = 5            # the empty plot shows rounds 1..5 until more are measured


class LatencyPlot(pg.PlotWidget):
    """One curve per model, a point per round; ``curves`` maps the model's label to its curve."""

    def __init__(self, parent=None):
        super().__init__(parent, axisItems={"bottom": RoundAxis("bottom")})
        self.setBackground("w")
        self.setLabel("left", "latency", units="ms")
        self.setLabel("bottom", "round")
        self.addLegend()
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Ignored)   # it takes what is left
        self.setFocusPolicy(Qt.ClickFocus)
        self.viewport().installEventFilter(self)
        self.budget_line = pg.InfiniteLine(pos=LPIRC_BUDGET_MS, angle=0,
                                           pen=pg.mkPen("#ff7f0e", width=2, style=Qt.DashLine),
                                           label=f"LPIRC budget {LPIRC_BUDGET_MS:.0f} ms",
                                           # at the left end, right of and below the line: inside even a short plot
                                           labelOpts={"position": 0.02, "color": "#ff7f0e",
                                                      "anchors": [(0, 0), (0, 0)]})
        self.addItem(self.budget_line)
        self.setYRange(0, LPIRC_BUDGET_MS * 1.3)
        self.setXRange(0.5, FIRST_ROUNDS + 0.5, padding=0)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._points: dict[str, list[tuple[int, float]]] = {}

    def reset(self, labels: list[str]) -> None:
        """Empty curves for these models (the previous run's are removed)."""
        for curve in self.curves.values():
            self.removeItem(curve)
        self.curves, self._points = {}, {}
        for i, label in enumerate(labels):
            self._points[label] = []
            self.curves[label] = self.plot([], [], pen=pg.mkPen(COLORS[i % len(COLORS)], width=2),
                                           symbol="o", symbolSize=6, name=label)

    def add_round(self, label: str, round_: int, ms: float) -> float:
        """Plot one round's latency; returns the model's best latency so far."""
        pts = self._points.setdefault(label, [])
        pts.append((round_, ms))
        self.curves[label].setData([p[0] for p in pts], [p[1] for p in pts])
        self.setYRange(0, max([LPIRC_BUDGET_MS * 1.3] + [p[1] * 1.15 for ps in self._points.values() for p in ps]))
        last = max(p[0] for ps in self._points.values() for p in ps)
        self.setXRange(0.5, max(FIRST_ROUNDS, last) + 0.5, padding=0)
        return min(p[1] for p in pts)

    def zooms_on_wheel(self) -> bool:
        """The plot was clicked last (it zooms on the wheel then)."""
        return self.hasFocus() or self.window().focusWidget() is self

    def eventFilter(self, obj, event) -> bool:
        if obj is self.viewport():
            if event.type() == QEvent.MouseButtonPress:
                self.setFocus(Qt.MouseFocusReason)
            elif event.type() == QEvent.Wheel and not self.zooms_on_wheel():
                area = self._scroll_area()
                if area is not None:
                    QApplication.sendEvent(area.verticalScrollBar(), event)
                    return True
        return super().eventFilter(obj, event)

    def _scroll_area(self) -> QScrollArea | None:
        w = self.parentWidget()
        while w is not None and not isinstance(w, QScrollArea):
            w = w.parentWidget()
        return w


class ResultsTable(QTableWidget):
    """One column per model, the rows of :data:`ROWS`."""

    def __init__(self, parent=None):
        super().__init__(len(ROWS), 0, parent)
        self.setVerticalHeaderLabels(ROWS)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.verticalHeader().setDefaultSectionSize(20)
        self.setMaximumHeight(130)
        self._labels: list[str] = []

    def reset(self, labels: list[str]) -> None:
        self._labels = list(labels)
        self.setColumnCount(len(labels))
        self.setHorizontalHeaderLabels(self._labels)
        for col in range(len(labels)):
            for row in range(len(ROWS)):
                self.setItem(row, col, QTableWidgetItem("—"))

    def set_cell(self, row: int, label: str, text: str, tip: str = "") -> None:
        if label in self._labels:
            item = QTableWidgetItem(text)
            item.setToolTip(tip or text)
            self.setItem(row, self._labels.index(label), item)

    def show_round(self, label: str, ms: float, best: float, tip: str) -> None:
        """A parsed round: last and best latency, and whether the best is within the budget."""
        self.set_cell(0, label, format_ms(ms), tip)
        self.set_cell(1, label, format_ms(best))
        self.set_cell(2, label, "yes" if best <= LPIRC_BUDGET_MS else f"no (+{best - LPIRC_BUDGET_MS:.1f} ms)")
