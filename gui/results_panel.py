"""Results of jobs: float vs int8 accuracy and latency (Evaluate), per-layer SQNR
bars (Compare; clicking a bar selects the layer), per-layer sensitivity bars.

State results it reads (set by the application when a job ends):
- ``evaluate``: ``{"float": {top1, top5, latency_ms_median, ...}, "int8": {...}}``
- ``compare``: ``{tensor_name: sqnr_db}`` in plan order
- ``sensitivity``: ``{tensor_name: top1_drop}`` (fraction)
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QSizePolicy, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from .histogram_view import plain_axes
from .session_state import SessionState


class BarPlot(pg.PlotWidget):
    """Bars over tensor names; clicking a bar calls ``on_pick(name)``."""

    def __init__(self, title: str, ylabel: str, on_pick, brush):
        super().__init__()
        self.setMenuEnabled(False)
        self.setTitle(title)
        self.setLabel("left", ylabel)
        plain_axes(self)
        self.getPlotItem().getViewBox().setMouseEnabled(x=True, y=False)
        self.names: list[str] = []
        self.values = np.zeros(0)
        self._brush = brush
        self._bars = None
        self._on_pick = on_pick
        self.scene().sigMouseClicked.connect(self._clicked)

    def set_bars(self, names: list[str], values) -> None:
        self.names = list(names)
        v = np.asarray([0.0 if (x is None or not math.isfinite(x)) else x for x in values], float)
        self.values = v
        if self._bars is not None:
            self.removeItem(self._bars)
        self._bars = pg.BarGraphItem(x=np.arange(len(v)), height=v, width=0.8, brush=self._brush)
        self.addItem(self._bars)
        ticks = [(i, n) for i, n in enumerate(self.names)]
        step = max(1, len(ticks) // 12)
        self.getAxis("bottom").setTicks([ticks[::step], ticks])
        self.autoRange()

    def bar_center(self, name: str):
        """Viewport position of the middle of ``name``'s bar (for tests)."""
        i = self.names.index(name)
        h = self.values[i]
        scene = self.getPlotItem().getViewBox().mapViewToScene(QPointF(i, h / 2 if h else 0.0))
        return self.mapFromScene(scene)

    def _clicked(self, ev) -> None:
        if not self.names or ev.button() != Qt.LeftButton:
            return
        p = self.getPlotItem().getViewBox().mapSceneToView(ev.scenePos())
        i = int(round(p.x()))
        if 0 <= i < len(self.names) and abs(p.x() - i) <= 0.4:
            self._on_pick(self.names[i])


class ResultsPanel(QWidget):
    def __init__(self, state: SessionState, parent=None):
        super().__init__(parent)
        self.state = state
        self.accuracy = QTableWidget(2, 4)
        self.accuracy.setObjectName("accuracyTable")
        self.accuracy.setHorizontalHeaderLabels(["top-1 %", "top-5 %", "latency ms", "images"])
        self.accuracy.horizontalHeaderItem(2).setToolTip("Median latency of single-image invokes, warm-up excluded")
        self.accuracy.setVerticalHeaderLabels(["float", "int8"])
        self.accuracy.setToolTip("After Evaluate: accuracy of the float model and the exported int8 .tflite on "
                                 "the same images; latency of single-image invokes (LiteRT, warm-up excluded)")
        self.accuracy.setMinimumWidth(330)
        self.accuracy.setMaximumWidth(400)
        self.accuracy.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.accuracy.horizontalHeader().setStretchLastSection(True)
        self.accuracy.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.accuracy.setEditTriggers(QTableWidget.NoEditTriggers)
        self.accuracy.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)
        self.accuracy.setMaximumHeight(90)
        self.summary = QLabel("Run Evaluate, Compare or Sensitivity (Jobs menu) to see results here.")
        self.summary.setObjectName("resultsSummary")
        self.summary.setWordWrap(True)
        self.sqnr = BarPlot("Measured SQNR per layer (float vs int8)", "dB", self._pick, (80, 140, 230))
        self.sqnr.setToolTip("SQNR between float and int8 activations per tensor; click a bar to select the layer")
        self.sensitivity = BarPlot("Sensitivity: top-1 drop when only this tensor is int8", "points",
                                   self._pick, (230, 120, 60))
        self.sensitivity.setToolTip("Accuracy lost by quantizing one tensor at a time; click a bar to select it")
        left = QVBoxLayout()
        left.addWidget(self.accuracy)
        left.addWidget(self.summary)
        left.addStretch(1)
        lay = QHBoxLayout(self)
        lay.addLayout(left)
        lay.addWidget(self.sqnr, 1)
        lay.addWidget(self.sensitivity, 1)
        state.resultsChanged.connect(self._results_changed)
        state.sessionChanged.connect(self._clear)

    def _pick(self, name: str) -> None:
        if self.state.plan is not None and name in self.state.plan.entries:
            self.state.select(name)

    def _clear(self) -> None:
        for r in range(2):
            for c in range(4):
                self.accuracy.setItem(r, c, QTableWidgetItem("–"))
        self.sqnr.set_bars([], [])
        self.sensitivity.set_bars([], [])

    def _results_changed(self, kind: str) -> None:
        res = self.state.results.get(kind)
        if kind == "evaluate" and res:
            for r, key in enumerate(("float", "int8")):
                m = res.get(key) or {}
                cells = [_pct(m.get("top1")), _pct(m.get("top5")), _num(m.get("latency_ms_median")),
                         str(m.get("n_images", "–"))]
                for c, text in enumerate(cells):
                    self.accuracy.setItem(r, c, QTableWidgetItem(text))
            f, q = (res.get("float") or {}).get("top1"), (res.get("int8") or {}).get("top1")
            if f is not None and q is not None:
                self.summary.setText(f"int8 top-1 {100 * q:.2f} % vs float {100 * f:.2f} % "
                                     f"(drop {100 * (f - q):+.2f} points)")
        elif kind == "compare" and res:
            self.sqnr.set_bars(list(res), list(res.values()))
            worst = min(res, key=lambda n: res[n] if res[n] is not None else math.inf)
            self.summary.setText(f"Lowest SQNR: {worst} ({res[worst]:.1f} dB)")
        elif kind == "sensitivity" and res:
            self.sensitivity.set_bars(list(res), list(res.values()))


def _pct(v) -> str:
    return "–" if v is None else f"{100.0 * v:.2f}"


def _num(v) -> str:
    return "–" if v is None else f"{v:.2f}"
