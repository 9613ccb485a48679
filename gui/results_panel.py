"""Results of jobs: float vs int8 accuracy and latency (Evaluate), per-layer SQNR
bars (Compare; clicking a bar selects the layer), per-layer sensitivity bars.

State results it reads (set by the application when a job ends):
- ``evaluate``: ``{"float": {top1, top5, latency_ms_median, ...}, "int8": {...}}``
- ``compare``: what ``qftune compare --json`` prints (a row per tensor, ``n_images``), bars in plan order
- ``sensitivity``: what ``qftune sensitivity --json`` prints (a row per tensor, largest drop first,
  ``n_images``, ``float_top1``)
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.compare import sqnr_of
from core.graph.metrics import binomial_band
from core.sensitivity import drops_of

from .elided_label import ElidedLabel
from .histogram_view import plain_axes
from .session_state import SessionState

ACCURACY_COLUMNS = ["top-1 %", "top-5 %", "latency", "images", "runtime"]
EMPTY_SUMMARY = "Run Evaluate, Compare or Sensitivity (Jobs menu) to see results here."


def short_name(name: str, limit: int = 12) -> str:
    return name if len(name) <= limit else name[:limit - 1] + "…"


class BarPlot(pg.PlotWidget):
    """Bars over tensor names; clicking a bar calls ``on_pick(name)``.

    Readable with 60+ tensors: only as many x labels as fit (every k-th, shortened), a tooltip
    on every bar (tensor, value), and outliers (the input's ~145 dB SQNR) clipped at the top
    of a robust axis with their value written above the bar, so the others stay readable."""

    LABEL_PX = 120         # width one x label (12 characters) needs, with a gap

    def __init__(self, title: str, ylabel: str, on_pick, brush, unit: str = "", tip: str = ""):
        super().__init__()
        self.default_tip = tip
        self.setToolTip(tip)
        self.setMenuEnabled(False)
        self.setTitle(title, size="9pt")
        self.setLabel("left", ylabel)
        plain_axes(self)
        self.getPlotItem().getViewBox().setMouseEnabled(x=True, y=False)
        self.setMinimumHeight(120)
        self.unit = unit
        self.names: list[str] = []
        self.values = np.zeros(0)
        self.clipped: list[int] = []
        self.cap: float | None = None
        self._brush = brush
        self._bars = None
        self._marks: list = []
        self._on_pick = on_pick
        self.scene().sigMouseClicked.connect(self._clicked)

    def set_bars(self, names: list[str], values) -> None:
        self.names = list(names)
        v = np.asarray([0.0 if (x is None or not math.isfinite(x)) else x for x in values], float)
        self.values = v
        for item in [self._bars, *self._marks]:
            if item is not None:
                self.removeItem(item)
        self._marks = []
        self.cap, self.clipped = robust_cap(v)
        shown = np.minimum(v, self.cap) if self.cap is not None else v
        brushes = [pg.mkBrush(self._brush)] * len(v)
        for i in self.clipped:
            brushes[i] = pg.mkBrush((150, 150, 150))
        self._bars = pg.BarGraphItem(x=np.arange(len(v)), height=shown, width=0.8, brushes=brushes)
        self.addItem(self._bars)
        for i in self.clipped:
            mark = pg.TextItem(f"▲{v[i]:.0f}", color=(90, 90, 90), anchor=(0.5, 1.0))
            mark.setPos(i, self.cap)
            self.addItem(mark)
            self._marks.append(mark)
        self._set_ticks()
        self.autoRange()
        if self.cap is not None:
            lo = min(0.0, float(shown.min())) if len(shown) else 0.0
            self.setYRange(lo, self.cap * 1.3, padding=0)      # room for the outliers' values

    def _set_ticks(self) -> None:
        n = len(self.names)
        fit = max(1, int(max(self.width(), 200) / self.LABEL_PX))
        step = max(1, math.ceil(n / fit))
        major = [(i, short_name(self.names[i])) for i in range(0, n, step)]
        self.getAxis("bottom").setTicks([major, []])

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        if self.__dict__.get("names"):
            self._set_ticks()

    def label_count(self) -> int:
        ticks = self.getAxis("bottom")._tickLevels
        return len(ticks[0]) if ticks else 0

    def bar_text(self, i: int) -> str:
        value = self.values[i]
        text = f"{self.names[i]}: {value:.2f}{(' ' + self.unit) if self.unit else ''}"
        if i in self.clipped:
            text += " (off the scale: the bar is cut at the top of the axis)"
        return text

    def bar_center(self, name: str):
        """Viewport position of the middle of ``name``'s bar (for tests)."""
        i = self.names.index(name)
        h = self.values[i] if self.cap is None else min(self.values[i], self.cap)
        scene = self.getPlotItem().getViewBox().mapViewToScene(QPointF(i, h / 2 if h else 0.0))
        return self.mapFromScene(scene)

    def _index_at(self, scene_pos) -> int | None:
        p = self.getPlotItem().getViewBox().mapSceneToView(scene_pos)
        i = int(round(p.x()))
        if 0 <= i < len(self.names) and abs(p.x() - i) <= 0.4:
            return i
        return None

    def mouseMoveEvent(self, ev) -> None:
        super().mouseMoveEvent(ev)
        self._hovered(self.mapToScene(ev.position().toPoint()))

    def _hovered(self, scene_pos) -> None:
        i = self._index_at(scene_pos) if self.names else None
        self.setToolTip(self.bar_text(i) if i is not None else self.default_tip)

    def _clicked(self, ev) -> None:
        if not self.names or ev.button() != Qt.LeftButton:
            return
        i = self._index_at(ev.scenePos())
        if i is not None:
            self._on_pick(self.names[i])


def robust_cap(v: np.ndarray) -> tuple[float | None, list[int]]:
    """(axis top, indices of outlier bars above it), or (None, []) when nothing stands out:
    a bar more than twice the 90th percentile of the positive values is cut at 1.3x that."""
    pos = v[v > 0]
    if len(pos) < 4:
        return None, []
    ref = float(np.percentile(pos, 90))
    out = [int(i) for i in np.nonzero(v > 2.0 * ref)[0]]
    if not out or ref <= 0:
        return None, []
    return 1.3 * float(max(x for x in v if x <= 2.0 * ref)), out


class ResultsPanel(QWidget):
    def __init__(self, state: SessionState, parent=None):
        super().__init__(parent)
        self.state = state
        self.accuracy = QTableWidget(2, len(ACCURACY_COLUMNS))
        self.accuracy.setObjectName("accuracyTable")
        self.accuracy.setHorizontalHeaderLabels(ACCURACY_COLUMNS)
        self.accuracy.horizontalHeaderItem(2).setToolTip("Median latency of single-image invokes, warm-up excluded")
        self.accuracy.horizontalHeaderItem(4).setToolTip(
            "Where the latency was measured: LiteRT with XNNPACK and N threads for a .tflite; latencies of "
            "different runtimes are never compared (export writes a float .tflite twin for that)")
        self.accuracy.setVerticalHeaderLabels(["float", "int8"])
        self.accuracy.setToolTip("After Evaluate: accuracy of the float model and the exported int8 .tflite on "
                                 "the same images; latency of single-image invokes (LiteRT, warm-up excluded)")
        self.accuracy.setMinimumWidth(380)
        self.accuracy.setMaximumWidth(470)
        self.accuracy.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.accuracy.horizontalHeader().setStretchLastSection(True)
        self.accuracy.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.accuracy.setEditTriggers(QTableWidget.NoEditTriggers)
        self.accuracy.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)
        self.accuracy.setMaximumHeight(90)
        self.summary = QLabel(EMPTY_SUMMARY)
        self.summary.setObjectName("resultsSummary")
        self.summary.setWordWrap(True)
        self.sqnr = BarPlot("Measured SQNR per layer", "dB", self._pick, (80, 140, 230), unit="dB",
                            tip="SQNR between float and int8 activations per tensor (after Compare); "
                                "click a bar to select the layer")
        self.sensitivity = BarPlot("Sensitivity (top-1 drop)", "points", self._pick, (230, 120, 60), unit="points",
                                   tip="Top-1 lost when only this tensor is int8 (after Sensitivity); "
                                       "click a bar to select it")
        self.noise_band = pg.LinearRegionItem(orientation="horizontal", movable=False, brush=(120, 120, 120, 50),
                                              pen=pg.mkPen(None))
        self.noise_band.setZValue(-10)
        self.noise_band.hide()
        self.sensitivity.addItem(self.noise_band)
        self.sqnr_caption, self.sensitivity_caption = ElidedLabel(""), ElidedLabel("")
        self.sqnr_caption.setObjectName("sqnrSummary")
        self.sensitivity_caption.setObjectName("sensitivitySummary")
        left = QVBoxLayout()
        left.addWidget(self.accuracy)
        left.addWidget(self.summary)
        left.addStretch(1)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.addLayout(left)
        for plot, caption in ((self.sqnr, self.sqnr_caption), (self.sensitivity, self.sensitivity_caption)):
            col = QVBoxLayout()
            col.setSpacing(0)
            col.addWidget(plot, 1)
            col.addWidget(caption)
            lay.addLayout(col, 1)
        state.resultsChanged.connect(self._results_changed)
        state.sessionChanged.connect(self._clear)

    def _pick(self, name: str) -> None:
        if self.state.plan is not None and name in self.state.plan.entries:
            self.state.select(name)

    def _clear(self) -> None:
        self.summary.setText(EMPTY_SUMMARY)
        for r in range(2):
            for c in range(len(ACCURACY_COLUMNS)):
                self.accuracy.setItem(r, c, QTableWidgetItem("–"))
        self.sqnr.set_bars([], [])
        self.sensitivity.set_bars([], [])
        self.sqnr_caption.set_full_text("")
        self.sensitivity_caption.set_full_text("")
        self.noise_band.hide()

    def _show_evaluate(self, res: dict) -> None:
        """Accuracy side by side; latency only where both rows ran in the same runtime with the
        same threads (an eager Keras call next to LiteRT would compare two different things)."""
        rows = [res.get("float") or {}, res.get("int8") or {}]
        runtimes = [runtime_text(m) if m else "–" for m in rows]
        comparable = bool(rows[0]) and runtimes[0] == runtimes[1]
        for r, m in enumerate(rows):
            latency, tip = _num(m.get("latency_ms_median")), ""
            if latency != "–":
                latency += " ms"
            if r == 0 and m and not comparable:
                latency, tip = "n/a", (f"Measured in {runtimes[0]}, the int8 model in {runtimes[1]}: not comparable. "
                                       "Evaluate against the float .tflite twin that Export writes.")
            cells = [_pct(m.get("top1")), _pct(m.get("top5")), latency, str(m.get("n_images", "–")),
                     runtimes[r] if m else "–"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip or (f"{ACCURACY_COLUMNS[c]}: {text}" + (f" ({m.get('model')})" if m else "")))
                self.accuracy.setItem(r, c, item)
        f, q = rows[0].get("top1"), rows[1].get("top1")
        if f is not None and q is not None:
            d = 100 * (f - q)
            change = (f"drop {d:.2f} points" if d > 0 else f"gain {-d:.2f} points: int8 beats float" if d < 0
                      else "no change")
            text = f"int8 top-1 {100 * q:.2f} % vs float {100 * f:.2f} % ({change})"
            if comparable:
                text += (f"; latency {rows[1]['latency_ms_median']:.2f} vs {rows[0]['latency_ms_median']:.2f} ms, "
                         f"both {runtimes[1]}")
            if rows[1].get("simulated"):
                text += (f"; int8 is {rows[1].get('model')}, {rows[1].get('weights')} weights: nothing exported, "
                         "no latency")
            self.summary.setText(text)

    def _results_changed(self, kind: str) -> None:
        res = self.state.results.get(kind)
        if kind == "evaluate" and res:
            self._show_evaluate(res)
        elif kind == "compare" and res:
            self._show_compare(res)
        elif kind == "sensitivity" and res:
            self._show_sensitivity(res)

    def _show_compare(self, doc: dict) -> None:
        plan = self.state.plan
        res = sqnr_of(doc, None if plan is None else [t.name for t in plan.tensors])
        images = doc.get("n_images")
        self.sqnr.set_bars(list(res), list(res.values()))
        finite = {n: v for n, v in res.items() if v is not None and math.isfinite(v)}
        if not finite:
            self.sqnr_caption.set_full_text("Compare measured no finite SQNR")
            return
        worst = min(finite, key=finite.get)
        text = (f"Lowest SQNR {worst} {finite[worst]:.1f} dB · median {np.median(list(finite.values())):.1f} dB"
                f" · {len(res)} tensors" + (f" on {images} images" if images else ""))
        if self.sqnr.clipped:
            text += " · off scale: " + ", ".join(f"{self.sqnr.names[i]} {self.sqnr.values[i]:.0f} dB"
                                                 for i in self.sqnr.clipped)
        self.sqnr_caption.set_full_text(text)

    def _show_sensitivity(self, doc: dict) -> None:
        drops, images, base = drops_of(doc), doc.get("n_images"), doc.get("float_top1")
        self.sensitivity.set_bars(list(drops), list(drops.values()))
        if not drops:
            self.sensitivity_caption.set_full_text("")
            return
        worst = max(drops, key=lambda n: drops[n])
        text = f"Largest drop {worst} {drops[worst]:+.2f} points"
        if images:
            band = binomial_band(base if base is not None else 0.5, int(images))
            self.noise_band.setRegion((-band, band))
            self.noise_band.show()
            top = 1.15 * max([band] + [abs(v) for v in drops.values() if v is not None])
            self.sensitivity.setYRange(-top, top, padding=0)       # the band in view: what lies inside is noise
            significant = sum(1 for v in drops.values() if v is not None and abs(v) > band)
            text = (f"{images} images (1 image = {100.0 / images:.2f} points) · grey band ±{band:.2f} points = "
                    f"binomial noise (95 %) · {significant} of {len(drops)} tensors outside it · " + text)
        self.sensitivity_caption.set_full_text(text)


def runtime_text(m: dict) -> str:
    """``"LiteRT · XNNPACK · 1 thread"`` for a .tflite, ``"Keras (eager)"`` for a Keras model."""
    kind = m.get("kind") or ""
    if "tflite" in kind:
        n = int(m.get("threads") or 1)
        return f"LiteRT · XNNPACK · {n} thread{'s' if n != 1 else ''}"
    return "Keras (eager)" if kind == "keras" else (kind or "–")


def _pct(v) -> str:
    return "–" if v is None else f"{100.0 * v:.2f}"


def _num(v) -> str:
    return "–" if v is None else f"{v:.2f}"
