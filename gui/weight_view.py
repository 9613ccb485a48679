"""The selected tensor's folded kernel, one whisker per output channel (the paper's Fig. 2).

Each channel's smallest..largest folded weight is a bar; the per-tensor int8 weight range
(±max|w|, the range one int8 scale covers) is drawn across them, with the band ±step/2 where a
weight rounds to 0. Channels whose every weight falls in that band (erased by per-tensor int8
weights) are highlighted over the full height in red, channels whose BatchNorm variance is ~0
(dead) are marked with a cross. The caption says the same in numbers.

:class:`WeightView` draws one :class:`core.weights.LayerWeights`; :class:`WeightPanel` binds it
to a :class:`gui.session_state.SessionState` and a :class:`gui.weights_cache.WeightsCache`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from .elided_label import ElidedLabel

KERNEL_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")
BAR_BRUSH = pg.mkBrush(60, 110, 200)
ERASED_BRUSH = pg.mkBrush(220, 40, 40)
ERASED_BAND = pg.mkBrush(235, 60, 60, 70)
RANGE_PEN = pg.mkPen((30, 30, 30), width=1.2, style=Qt.DashLine)
ZERO_BAND = pg.mkBrush(250, 170, 40, 90)
LEGEND = ("bar: a channel's folded weights, min..max · dashed: the per-tensor int8 range ±max|w| · orange: ±step/2 "
          "(rounds to 0) · red: channel erased (all its weights round to 0) · ×: dead BN channel (variance < 1e-6)")


def kernel_layer(tensor) -> str | None:
    """The conv/depthwise/dense layer whose kernel produces ``tensor`` (a plan QTensor), else None."""
    return tensor.layers[0] if tensor.op in KERNEL_OPS and tensor.layers else None


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def caption(lw) -> str:
    """One line computed from the numbers: channels, spread, what per-tensor int8 weights erase."""
    n, dead, step = int(lw.collapsed.sum()), int(lw.dead.sum()), lw.step
    spread = lw.spread
    parts = [lw.layer, f"{lw.channels} channels",
             "spread " + ("inf" if not np.isfinite(spread) else f"{spread:.0f}x" if spread >= 10 else f"{spread:.1f}x")]
    if n:
        parts.append(f"{n} erased by per-tensor int8 weights (max|w| < step/2 = {_fmt(step / 2)})")
    else:
        low = float(lw.abs_max.min()) if lw.channels else 0.0
        parts.append(f"none erased by per-tensor int8 weights (smallest channel max|w| {_fmt(low)} "
                     f"= {low / step if step else 0:.1f} steps of {_fmt(step)})")
    if dead:
        parts.append(f"{dead} dead BN channel{'s' if dead != 1 else ''}")
    return " · ".join(parts)


class WrappedCaption(QLabel):
    """The caption, wrapped over as many lines as it needs (never elided), within the view's width."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.PlainText)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Minimum)

    def set_full_text(self, text: str) -> None:
        self.setText(text)
        self.setToolTip(text)
        self.setVisible(bool(text))

    def full_text(self) -> str:
        return self.text()


class WeightView(QWidget):
    """Per-channel folded weight ranges of one layer, the per-tensor int8 range across them."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("weightView")
        self.caption = WrappedCaption()        # the key finding, whole (wrapped), never cut at the default size
        self.caption.setObjectName("weightCaption")
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=True, y=True)
        self.plot.setLabel("bottom", "output channel")
        self.plot.setLabel("left", "folded weight")
        self.plot.setMinimumHeight(120)
        self.plot.setMinimumWidth(60)      # narrow windows: it shrinks before the histogram's controls do
        self.setMinimumWidth(60)
        self.legend = ElidedLabel(LEGEND)
        self.legend.setObjectName("weightLegend")
        self.legend.setStyleSheet("color: #555")
        self.message = QLabel("")
        self.message.setObjectName("weightMessage")
        self.message.setAlignment(Qt.AlignCenter)
        self.message.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.caption)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.legend)
        lay.addWidget(self.message)
        self.weights = None
        self.bars = self.erased_bars = self.erased_band = self.dead_marks = None
        self.clip_lines: list = []
        self.show_message("No tensor selected")

    # ---- what tests and the window read ------------------------------------------------------------
    def drawn_channels(self) -> list[int]:
        """The channel index of every bar drawn (one per channel)."""
        return sorted(int(x) for item in (self.bars, self.erased_bars) if item is not None
                      for x in item.opts["x"])

    def highlighted_channels(self) -> list[int]:
        """The channels drawn as erased by per-tensor int8 weights."""
        return [] if self.erased_band is None else sorted(int(x) for x in self.erased_band.opts["x"])

    def dead_channels(self) -> list[int]:
        return [] if self.dead_marks is None else sorted(int(p.pos().x()) for p in self.dead_marks.points())

    # ---- drawing -------------------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        """No weights to draw (a tensor without a kernel, still reading, an error): say why."""
        self.weights = None
        self.plot.clear()
        self.bars = self.erased_bars = self.erased_band = self.dead_marks = None
        self.clip_lines = []
        self.caption.set_full_text("")
        self.legend.hide()
        self.message.setText(text)
        self.message.setVisible(bool(text))
        # no weights: no plot either, so no axes of the previous layer and nothing under the message
        self.plot.setVisible(not text)

    def set_weights(self, lw, clip: float | None = None, movable: bool = False) -> None:
        """Draw ``lw``; the per-tensor int8 range is ``±clip`` (a plan's clip) or ``±max|w|``;
        ``movable``: its lines can be dragged (see :class:`WeightPanel`)."""
        self.show_message("")
        self.message.hide()
        self.plot.show()
        self.legend.show()
        self.weights = lw
        x = np.arange(lw.channels)
        lo, hi = lw.ch_min, lw.ch_max
        rmax = lw.tensor_range[1] if clip is None else float(clip)
        step = rmax / 127
        erased, dead = lw.abs_max < step / 2, lw.dead
        if erased.any():     # behind the bars: the erased channels over the full int8 range
            self.erased_band = pg.BarGraphItem(x=x[erased], y0=np.full(erased.sum(), -rmax), height=2 * rmax,
                                               width=0.9, brush=ERASED_BAND, pen=pg.mkPen(None))
            self.plot.addItem(self.erased_band)
        band = pg.LinearRegionItem((-step / 2, step / 2), orientation="horizontal", movable=False, brush=ZERO_BAND,
                                   pen=pg.mkPen(None))
        self.plot.addItem(band)
        width = 0.6 if lw.channels < 200 else 0.9
        keep = ~erased
        # a bar at least a hair high, so a channel that is all zeros still shows
        min_h = max(rmax * 1e-3, 1e-12)

        def bars(mask, brush):
            return pg.BarGraphItem(x=x[mask], y0=lo[mask], height=np.maximum(hi[mask] - lo[mask], min_h),
                                   width=width, brush=brush, pen=pg.mkPen(None))

        if keep.any():
            self.bars = bars(keep, BAR_BRUSH)
            self.plot.addItem(self.bars)
        if erased.any():
            self.erased_bars = bars(erased, ERASED_BRUSH)
            self.plot.addItem(self.erased_bars)
        self.clip_lines = [pg.InfiniteLine(y, angle=0, pen=RANGE_PEN, movable=movable) for y in (-rmax, rmax)]
        for line in self.clip_lines:
            self.plot.addItem(line)
        if dead.any():
            self.dead_marks = pg.ScatterPlotItem(x=x[dead], y=np.full(dead.sum(), rmax), symbol="x", size=11,
                                                 brush=pg.mkBrush(0, 0, 0), pen=pg.mkPen(0, 0, 0))
            self.plot.addItem(self.dead_marks)
        self.plot.setXRange(-1, lw.channels, padding=0)
        top = max(rmax, lw.tensor_range[1])
        self.plot.setYRange(-top, top, padding=0.08)
        text = caption(lw) if clip is None else clip_caption(lw, rmax)
        self.caption.set_full_text(text)
        self.plot.setToolTip(text + "\n" + LEGEND.replace(" · ", "\n"))


def clip_caption(lw, clip: float) -> str:
    """The caption under a plan's per-tensor clip: what it erases and clips."""
    step = clip / 127
    erased = int(np.sum(lw.abs_max < step / 2))
    clipped = int(np.sum(lw.abs_max > clip))
    return (f"{lw.layer} ({lw.kind}), per-tensor clip ±{_fmt(clip)} (max|w| {_fmt(lw.tensor_range[1])}): "
            f"{erased} of {lw.channels} channels erased (max|w| < step/2 = {step / 2:.3g}), {clipped} clipped")


class WeightPanel(WeightView):
    """A :class:`WeightView` that follows a session's selection; weights come from ``cache``.

    Its per-tensor range lines can be dragged: releasing one clips the layer's kernel
    (``LAYER/kernel``) per tensor at the line's magnitude, one undoable change."""

    def __init__(self, state, cache, parent=None):
        super().__init__(parent)
        self.state = state
        self.cache = cache
        state.sessionChanged.connect(self._session_changed)
        state.selectionChanged.connect(lambda _n: self.refresh())
        state.rangesChanged.connect(self._ranges_changed)
        cache.ready.connect(self._ready)
        self._session_changed()

    @property
    def model_path(self) -> str | None:
        s = self.state.session
        return getattr(s, "model_path", None) if s is not None else None

    def _session_changed(self) -> None:
        if self.state.session is not None:
            self.cache.request(self.model_path)
        self.refresh()

    def _ready(self, path: str) -> None:
        if path == self.model_path:
            self.refresh()

    def refresh(self) -> None:
        plan, name = self.state.plan, self.state.selected
        if plan is None or not name:
            self.show_message("No tensor selected")
            return
        tensor = plan[name].tensor
        layer = kernel_layer(tensor)
        if layer is None:
            self.show_message(f"{name} ({tensor.op}) has no kernel: select a conv, depthwise or dense output "
                              "to see its per-channel weight ranges")
            return
        model = self.model_path
        weights = self.cache.get(model)
        if weights is None:
            error = self.cache.error(model)
            self.show_message(f"Weights unavailable: {error}" if error
                              else f"Reading the folded weights of {Path(model).name}…")
            return
        if layer not in weights:
            self.show_message(f"{Path(model).name} has no kernel layer {layer!r}")
            return
        entry = plan.weights.get(layer)
        clip = entry.clip[0] if entry is not None and entry.clip is not None and len(entry.clip) == 1 else None
        self.set_weights(weights[layer], clip, movable=entry is not None)
        for line in self.clip_lines:
            line.sigPositionChanged.connect(self._mirror)
            line.sigPositionChangeFinished.connect(lambda ln, name=entry.name if entry else "": self._dropped(name, ln))

    def _ranges_changed(self, names: list[str]) -> None:
        layer = kernel_layer(self.state.plan[self.state.selected].tensor) if self.state.selected else None
        if layer is not None and layer + "/kernel" in names:
            QTimer.singleShot(0, self.refresh)     # after the dragged line's own signal has returned

    def _mirror(self, line) -> None:
        """Dragging one line moves the other to the opposite value: the clip is symmetric."""
        other = self.clip_lines[1] if line is self.clip_lines[0] else self.clip_lines[0]
        value = -float(line.value())
        if other.value() != value:
            other.blockSignals(True)
            other.setValue(value)
            other.blockSignals(False)

    def _dropped(self, kernel: str, line) -> None:
        if not kernel:
            return
        try:
            self.state.set_weight_clip(kernel, abs(float(line.value())))
        except ValueError as exc:      # the plan's refusal (a clip of 0), said where the user looks
            self.state.message.emit(str(exc))
            self.refresh()
