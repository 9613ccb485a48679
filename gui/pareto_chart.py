"""The Pareto chart of an autotune result: held-out top-1 against model bytes and against measured
LiteRT latency (same threads for every point).

Grey dots are every plan the search scored, blue the Pareto front of each plot (no other plan has more
top-1 for less bytes, or for less measured latency), the red dashed line the target (float top-1 minus
--max-drop), the ring the plan autotune chose.
Clicking a point emits :attr:`ParetoChart.pointChosen` with its row of the report (``points``); the
application loads that plan into the session as one undoable change.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.autotune.report import signed_bytes

from .elided_label import ElidedLabel

GREY, BLUE, RED = (150, 150, 150), (34, 85, 170), (204, 51, 51)


def _plot(title: str, x_label: str) -> pg.PlotWidget:
    w = pg.PlotWidget(background="w")
    w.setObjectName("paretoPlot")
    item = w.getPlotItem()
    item.setTitle(title, color="#333")
    item.setLabel("bottom", x_label)
    item.setLabel("left", "top-1 (%), held out")
    item.showGrid(x=True, y=True, alpha=0.2)
    for axis in ("bottom", "left"):
        item.getAxis(axis).enableAutoSIPrefix(False)       # bytes and ms as they are, never "x0.001"
    item.setMenuEnabled(False)
    w.setMinimumHeight(180)
    return w


def _tip(row: dict, x_key: str) -> str:
    what = "; ".join(f"{c['layer']}: {c['label']}" for c in row.get("changes") or []) or "the plan it started from"
    cost = (f"{row['bytes']:,} bytes" if row.get("bytes") is not None else signed_bytes(row.get("extra_bytes", 0)))
    if row.get("latency_ms") is not None:
        cost += f", {row['latency_ms']:.2f} ms"
    return (f"#{row['index']} ({row.get('phase', '')}): top-1 {100 * row['top1']:.2f}% (drop {row['drop_pp']:.2f} pp), "
            f"{cost}\n{what}\nClick to load this plan (one undoable change)")


class ParetoChart(QWidget):
    pointChosen = Signal(dict)        # a row of the report's "points" (with its "plan")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("paretoChart")
        self.doc: dict | None = None
        self.verdict = ElidedLabel("")
        self.verdict.setObjectName("paretoVerdict")
        self.hint = QLabel("Click a point to load its plan into the session (one undoable change; Ctrl+Z undoes it).")
        self.hint.setStyleSheet("color: #555")
        self.bytes_plot = _plot("top-1 vs model bytes", "model bytes (.tflite)")
        self.latency_plot = _plot("top-1 vs measured latency", "LiteRT latency (ms, median)")
        self.latency_note = QLabel("")
        self.latency_note.setWordWrap(True)
        self.latency_note.setStyleSheet("color: #555")
        plots = QHBoxLayout()
        plots.addWidget(self.bytes_plot, 1)
        right = QVBoxLayout()
        right.addWidget(self.latency_plot, 1)
        right.addWidget(self.latency_note)
        plots.addLayout(right, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.verdict)
        lay.addLayout(plots, 1)
        lay.addWidget(self.hint)
        self.scatters: dict[str, pg.ScatterPlotItem] = {}

    # ---- data ----------------------------------------------------------------------------
    def show_result(self, doc: dict) -> None:
        """Plot the report ``doc`` (``S_tuned.autotune.json``)."""
        self.doc = doc
        self.verdict.set_full_text(doc.get("verdict", ""))
        ho = doc.get("heldout") or {}
        target = None
        if ho.get("float_top1") is not None:
            target = 100 * ho["float_top1"] - float(doc["options"]["max_drop_pp"])
        best = (doc.get("best") or {}).get("index")
        self._fill(self.bytes_plot, "bytes", doc, target, best)
        has_latency = any(p.get("latency_ms") is not None for p in doc.get("points", []))
        self._fill(self.latency_plot, "latency_ms", doc, target, best)
        self.latency_note.setText("" if has_latency else "No latency measured: run with Least cost = latency "
                                  "(the Pareto plans are exported and timed with LiteRT).")

    def _fill(self, plot: pg.PlotWidget, key: str, doc: dict, target, best) -> None:
        item = plot.getPlotItem()
        item.clear()
        from core.autotune.pareto import front as pareto_front

        rows = [p for p in doc.get("points", []) if p.get(key) is not None]
        if not rows:
            self.scatters.pop(key, None)
            return
        # this plot's own front: no other plotted plan has more top-1 for less of this cost
        front = {p["index"] for p in pareto_front(rows, cost=lambda p: p[key], top1=lambda p: p["top1"])}
        fr = sorted((p for p in rows if p["index"] in front), key=lambda p: p[key])
        if len(fr) > 1:
            item.addItem(pg.PlotDataItem([p[key] for p in fr], [100 * p["top1"] for p in fr],
                                         pen=pg.mkPen(BLUE, width=1.5)))
        if target is not None:
            item.addItem(pg.InfiniteLine(target, angle=0, pen=pg.mkPen(RED, width=1, style=Qt.DashLine),
                                         label="target", labelOpts={"color": RED, "position": 0.95}))
        spots = []
        for p in rows:
            on_front = p["index"] in front
            spots.append({"pos": (p[key], 100 * p["top1"]), "data": p, "size": 11 if on_front else 7,
                          "brush": pg.mkBrush(*(BLUE if on_front else GREY)),
                          "pen": pg.mkPen(RED, width=2) if p["index"] == best else pg.mkPen(None),
                          "symbol": "o"})
        scatter = pg.ScatterPlotItem(hoverable=True, tip=lambda x, y, data: _tip(data, key))
        scatter.addPoints(spots)
        scatter.sigClicked.connect(self._clicked)
        item.addItem(scatter)
        self.scatters[key] = scatter
        xs = [p[key] for p in rows]
        if max(xs) - min(xs) < 1e-9 * max(1.0, abs(xs[0])):     # every plan the same cost: a readable axis
            item.setXRange(0.98 * xs[0], 1.02 * xs[0], padding=0)
        else:
            item.enableAutoRange(axis="x")

    def _clicked(self, _scatter, points, _event=None) -> None:
        if len(points):
            self.pointChosen.emit(points[0].data())

    # ---- for tests and screenshots ---------------------------------------------------------
    def point_position(self, key: str, index: int):
        """Viewport position (in the plot widget) of point ``index`` in the ``key`` plot (bytes, latency_ms)."""
        from PySide6.QtCore import QPointF

        plot = self.bytes_plot if key == "bytes" else self.latency_plot
        row = next(p for p in self.doc["points"] if p["index"] == index)
        vb = plot.getPlotItem().getViewBox()
        return plot.mapFromScene(vb.mapViewToScene(QPointF(row[key], 100 * row["top1"])))
