"""The histogram of one tensor with its range as a draggable region.

- the histogram (``stepMode="center"``, optional log counts);
- the chosen range as a ``LinearRegionItem`` whose edges snap to the int8 grid
  (:func:`core.quant.grid.nudge`, exactly what the .tflite will store); the body of
  the region does not drag, only its edges; the min edge stays <= 0 <= max edge;
- the observed min/max and the greedy choice as reference lines;
- a small plot of the greedy cost landscape with the current choice marked;
- numeric min/max editors that follow the region and move it when typed into;
- live readouts (MSE, SQNR, saturation, scale, zero point) for the range under the cursor.

The view only displays and emits: ``rangePreview(min, max)`` on every drag move
(the app answers with :meth:`set_readouts`), ``rangeCommitted(min, max)`` when a
drag ends or an editor value is entered. The range committed is the user's raw
range; the plan nudges it exactly as shown.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGraphicsItem,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from core.quant.grid import nudge

from .elided_label import ElidedLabel
from .sci_spin import SciSpinBox

REGION_BRUSH = (80, 140, 255, 50)
GREEDY_PEN = pg.mkPen((40, 170, 60), width=1.5, style=Qt.DashLine)
OBSERVED_PEN = pg.mkPen((150, 150, 150), width=1, style=Qt.DotLine)


def plain_axes(plot: pg.PlotWidget) -> None:
    """No automatic SI prefixes: "(x0.001)" next to a label confuses more than it saves."""
    for side in ("left", "bottom"):
        plot.getAxis(side).enableAutoSIPrefix(False)


class EdgeOnlyRegion(pg.LinearRegionItem):
    """A region whose edges drag but whose body does not (a body drag would move
    both ends at once, which is never what a range edit means)."""

    def mouseDragEvent(self, ev):
        ev.ignore()

    def mouseClickEvent(self, ev):
        ev.ignore()


class HistogramView(QWidget):
    rangePreview = Signal(float, float)
    rangeCommitted = Signal(float, float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.tensor_name: str | None = None
        self.editable = False
        self._raw = [0.0, 1.0]          # un-nudged ends under the user's hand
        self._shown = (0.0, 1.0)        # nudged ends currently displayed
        self._setting = False
        self._hist = None
        self._landscape = None

        self.title = ElidedLabel("No tensor selected")
        self.title.setObjectName("histogramTitle")
        self.title.setTextInteractionFlags(Qt.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.constraint = QLabel("")
        self.constraint.setObjectName("constraintLabel")
        self.constraint.setWordWrap(True)
        self.log_counts = QCheckBox("log counts")
        self.log_counts.setToolTip("Counts on a logarithmic axis (1 + count, so empty bins sit on the baseline): "
                                   "reveals the sparse tails that saturation cuts off")
        self.log_counts.setChecked(True)
        self.log_counts.toggled.connect(self._redraw_histogram)

        self.plot = pg.PlotWidget()
        self.plot.setObjectName("histogramPlot")
        self.plot.setMenuEnabled(False)
        self.plot.setLabel("bottom", "activation value")
        self.plot.showGrid(x=True, y=False, alpha=0.2)
        plain_axes(self.plot)
        self.plot.getPlotItem().getViewBox().setMouseEnabled(x=True, y=False)
        self.curve = pg.PlotDataItem(stepMode="center", fillLevel=0, brush=(120, 120, 120, 120),
                                     pen=pg.mkPen((90, 90, 90)))
        self.plot.addItem(self.curve)
        # the 2048-bin fill is the costly part of a repaint and does not change while an edge
        # is dragged: keep it as a device pixmap (re-rendered only when the view changes)
        self.curve.curve.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        for side in ("left", "bottom"):      # the axes (and the x grid) likewise: 2 x ~5 ms per move otherwise
            self.plot.getAxis(side).setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.region = EdgeOnlyRegion(values=(0.0, 1.0), brush=REGION_BRUSH, swapMode="block")
        self.region.setZValue(10)
        for line in self.region.lines:
            line.setPen(pg.mkPen((30, 90, 230), width=2))
            line.setHoverPen(pg.mkPen((230, 90, 30), width=3))
        self.region.lines[0].setToolTip("Range min: drag to override; snaps to the int8 grid")
        self.region.lines[1].setToolTip("Range max: drag to override; snaps to the int8 grid")
        self.plot.addItem(self.region)
        self.greedy_lines = [pg.InfiniteLine(angle=90, pen=GREEDY_PEN, movable=False) for _ in range(2)]
        self.observed_lines = [pg.InfiniteLine(angle=90, pen=OBSERVED_PEN, movable=False) for _ in range(2)]
        for line in self.greedy_lines + self.observed_lines:
            self.plot.addItem(line)
        self.region.sigRegionChanged.connect(self._region_moved)
        self.region.sigRegionChangeFinished.connect(self._region_finished)

        self.landscape = pg.PlotWidget()
        self.landscape.setObjectName("landscapePlot")
        self.landscape.setMenuEnabled(False)
        self.landscape.setMaximumHeight(150)
        self.landscape.setMinimumHeight(80)
        self.landscape.setMinimumWidth(48)     # it gives way first when the panel is narrow (compare mode)
        self.landscape.setLabel("bottom", "candidate step Δ")
        self.landscape.setLabel("left", "cost")
        plain_axes(self.landscape)
        self.landscape.setToolTip("Greedy cost (rounding + γ·saturation error) against candidate ranges; "
                                  "one point per step Δ at its best offset; the red line is the current step")
        self.landscape_curve = pg.PlotDataItem(pen=pg.mkPen((60, 60, 160)))
        self.landscape.addItem(self.landscape_curve)
        self.landscape_marker = pg.InfiniteLine(angle=90, pen=pg.mkPen((220, 40, 40), width=2), movable=False)
        self.landscape.addItem(self.landscape_marker)

        self.min_edit = self._spin("Range min (≤ 0). Type a value and press Enter; it is nudged to the int8 grid.")
        self.max_edit = self._spin("Range max (≥ 0). Type a value and press Enter; it is nudged to the int8 grid.")
        self.min_edit.setObjectName("minEdit")
        self.max_edit.setObjectName("maxEdit")
        self.min_edit.editingFinished.connect(self._editor_committed)
        self.max_edit.editingFinished.connect(self._editor_committed)
        # an editor commits only what the user typed for the tensor shown: focus in/out alone,
        # or a tensor/session switch while it has focus, commits nothing
        self._typed = False
        self.last_commit_typed = False        # the last rangeCommitted came from an editor
        self._editor_shown = (0.0, 0.0)       # the editors' values as last set by the view
        self.min_edit.lineEdit().textEdited.connect(self._user_typed)
        self.max_edit.lineEdit().textEdited.connect(self._user_typed)
        self.nudge_note = QLabel("")
        self.nudge_note.setObjectName("nudgeNote")
        self.nudge_note.setStyleSheet("color: #555")
        self.nudge_note.setWordWrap(True)
        self.nudge_note.setToolTip("TFLite stores a range as a scale and an int8 zero point with 0.0 exactly "
                                   "representable; the ends you type move to the nearest such range")
        # its two lines are always reserved: the editors above it do not jump when a note appears
        self.nudge_note.setFixedHeight(2 * self.nudge_note.fontMetrics().lineSpacing() + 2)

        self.readouts = {}
        tips = {
            "scale": "Step Δ of the int8 grid: (max − min) / 255, as stored in the .tflite",
            "zero_point": "int8 value that represents 0.0 exactly",
            "mse": "Estimated mean squared error of quantizing this tensor with this range (from the histogram)",
            "sqnr_db": "Estimated signal-to-quantization-noise ratio: 10·log10(E[x²] / MSE); higher is better",
            "saturation": "Share of calibration values outside the range (clipped to min or max)",
        }
        labels = {"scale": "scale", "zero_point": "zero point", "mse": "est. MSE", "sqnr_db": "est. SQNR",
                  "saturation": "saturated"}
        grid = QGridLayout()
        grid.addWidget(QLabel("min"), 0, 0)
        grid.addWidget(self.min_edit, 0, 1)
        grid.addWidget(QLabel("max"), 1, 0)
        grid.addWidget(self.max_edit, 1, 1)
        grid.addWidget(self.nudge_note, 2, 0, 1, 2)
        form = QFormLayout()
        # the values' column is as wide as the widest value a readout prints (scale's 6 significant
        # digits with an exponent): it neither jumps nor widens the panel from one tensor to the next
        # (compare mode puts two panels in a 1024-px window with no pixel to spare)
        value_width = self.fontMetrics().horizontalAdvance("8.88888e-05") + 4
        for key in ("scale", "zero_point", "mse", "sqnr_db", "saturation"):
            value = QLabel("–")
            value.setFixedWidth(value_width)
            value.setObjectName(f"readout_{key}")
            value.setToolTip(tips[key])
            caption = QLabel(labels[key])
            caption.setToolTip(tips[key])
            form.addRow(caption, value)
            self.readouts[key] = value
        bottom = QHBoxLayout()
        bottom.addLayout(grid)
        bottom.addSpacing(8)
        bottom.addLayout(form)
        bottom.addWidget(self.landscape, 1)

        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.log_counts)
        lay = QVBoxLayout(self)
        lay.addLayout(head)
        lay.addWidget(self.constraint)
        lay.addWidget(self.plot, 1)
        lay.addLayout(bottom)
        self._set_enabled(False)

    @staticmethod
    def _spin(tip: str) -> SciSpinBox:
        s = SciSpinBox()            # takes and shows 9.687e-05 as the table does, never rounded to 0.000097
        s.setRange(-1e9, 1e9)
        s.setKeyboardTracking(False)
        s.setToolTip(tip)
        s.setMinimumWidth(110)
        return s

    # ---- input from the application ---------------------------------------------------
    def show_tensor(self, name: str, hist, rng: tuple[float, float], *, greedy=None, landscape=None,
                    editable: bool = True, constraint: str = "", info: str = "") -> None:
        """Display ``hist`` (object with ``edges``, ``counts``, ``min``, ``max``) and ``rng``.
        ``landscape`` is ``(steps, costs)`` arrays or None."""
        self.tensor_name = name
        self._typed = False
        self.show_nudge("")
        self._hist = hist
        self._landscape = landscape
        self.title.set_full_text(f"{name}  ·  {info}" if info else name)
        self.constraint.setText(constraint)
        self.constraint.setVisible(bool(constraint))
        self._redraw_histogram()
        if hist is not None and not getattr(hist, "empty", False) and math.isfinite(hist.min):
            for line, v in zip(self.observed_lines, (hist.min, hist.max), strict=True):
                line.setValue(v)
                line.setToolTip(f"observed {'min' if line is self.observed_lines[0] else 'max'}: {v:.6g}")
                line.show()
        else:
            for line in self.observed_lines:
                line.hide()
        for i, line in enumerate(self.greedy_lines):
            if greedy is not None:
                line.setValue(greedy[i])
                line.setToolTip(f"greedy {'min' if i == 0 else 'max'}: {greedy[i]:.6g}")
                line.show()
            else:
                line.hide()
        if landscape is not None:
            x, cost = landscape
            self.landscape_curve.setData(np.asarray(x, float), np.asarray(cost, float))
            self.landscape.show()
        else:
            self.landscape_curve.setData([], [])
        self.set_range(*rng)
        self.editable = editable
        self._set_enabled(True)
        self._fit_view(rng, greedy)

    def set_range(self, lo: float, hi: float) -> None:
        """Show ``[lo, hi]`` (already nudged by the plan) without emitting anything."""
        self._raw = [float(lo), float(hi)]
        self._show(float(lo), float(hi))
        self.clear_hover()

    def set_readouts(self, *, mse: float, sqnr_db: float, saturation: float, scale: float, zero_point: int) -> None:
        self.readouts["mse"].setText(f"{mse:.4g}")
        self.readouts["sqnr_db"].setText("∞ dB" if math.isinf(sqnr_db) else f"{sqnr_db:.2f} dB")
        self.readouts["saturation"].setText(f"{100.0 * saturation:.3f} %")
        self.readouts["scale"].setText(f"{scale:.6g}")
        self.readouts["zero_point"].setText(str(int(zero_point)))

    def show_nudge(self, text: str) -> None:
        """The note under the editors saying how a typed range was moved onto the int8 grid."""
        self.nudge_note.setText(text)

    def clear(self) -> None:
        self.tensor_name = None
        self._typed = False
        self.show_nudge("")
        self.title.set_full_text("No tensor selected")
        self.curve.setData([], [])
        self._set_enabled(False)

    # ---- drawing ---------------------------------------------------------------------
    def _redraw_histogram(self) -> None:
        h = self._hist
        if h is None or getattr(h, "empty", False):
            self.curve.setData([], [])
            return
        counts = np.asarray(h.counts, float)
        edges = np.asarray(h.edges, float)
        log = self.log_counts.isChecked()
        # log axis: pyqtgraph plots log10(y), so 1 + count puts empty bins on the baseline (fillLevel 0)
        self.plot.setLogMode(x=False, y=log)
        self.curve.setData(edges, 1.0 + counts if log else counts)
        self.plot.setLabel("left", "1 + count (log scale)" if log else "count")
        self.plot.getPlotItem().getViewBox().enableAutoRange(axis="y")

    def _fit_view(self, rng, greedy) -> None:
        lo, hi = rng
        vals = [lo, hi, 0.0]
        if self._hist is not None and not getattr(self._hist, "empty", False) and math.isfinite(self._hist.min):
            vals += [self._hist.min, self._hist.max]
        if greedy is not None:
            vals += list(greedy)
        a, b = min(vals), max(vals)
        pad = 0.05 * (b - a or 1.0)
        self.plot.getPlotItem().getViewBox().setXRange(a - pad, b + pad, padding=0)
        self.plot.getPlotItem().getViewBox().enableAutoRange(axis="y")

    def _show(self, lo: float, hi: float) -> None:
        self._shown = (lo, hi)
        self._setting = True
        try:
            self.region.setRegion((lo, hi))
            self.min_edit.blockSignals(True)
            self.max_edit.blockSignals(True)
            self.min_edit.setValue(lo)
            self.max_edit.setValue(hi)
            self._editor_shown = (self.min_edit.value(), self.max_edit.value())
            self._typed = False
            self.min_edit.blockSignals(False)
            self.max_edit.blockSignals(False)
            try:
                self.landscape_marker.setValue(nudge(lo, hi).scale)
            except ValueError:
                pass
        finally:
            self._setting = False

    def _set_enabled(self, on: bool) -> None:
        movable = on and self.editable
        for line in self.region.lines:
            line.setMovable(movable)
        self.region.lines[0].setBounds((None, 0.0))
        self.region.lines[1].setBounds((0.0, None))
        self.min_edit.setEnabled(movable)
        self.max_edit.setEnabled(movable)

    # ---- user edits --------------------------------------------------------------------
    def _region_moved(self) -> None:
        if self._setting or not self.editable:
            return
        a, b = (line.value() for line in self.region.lines)
        if a != self._shown[0]:
            self._raw[0] = min(float(a), 0.0)
        if b != self._shown[1]:
            self._raw[1] = max(float(b), 0.0)
        try:
            q = nudge(*self._raw)
        except ValueError:
            return
        self._show(q.min, q.max)
        self.rangePreview.emit(*self._raw)

    def _region_finished(self) -> None:
        if self._setting or not self.editable:
            return
        self.clear_hover()
        QTimer.singleShot(0, self, self.clear_hover)     # after the scene's own hover update on release
        self.last_commit_typed = False
        self.rangeCommitted.emit(*self._raw)

    def clear_hover(self) -> None:
        """Drop the edges' hover highlight: after a release or an undo the edge is no longer
        under the user's hand (pyqtgraph only clears it on a hover-leave that never comes)."""
        for line in self.region.lines:
            line.mouseHovering = False
            line.currentPen = line.pen
            line.update()

    def _user_typed(self, _text: str) -> None:
        self._typed = True

    def _editor_committed(self) -> None:
        if not self.editable or not self._typed:
            return
        lo_e, hi_e = self.min_edit.value(), self.max_edit.value()
        if (lo_e, hi_e) == self._editor_shown:
            self._typed = False
            return
        # an end the user did not change keeps its exact value (the editor shows it rounded)
        lo = float(lo_e) if lo_e != self._editor_shown[0] else self._shown[0]
        hi = float(hi_e) if hi_e != self._editor_shown[1] else self._shown[1]
        self._typed = False
        self.last_commit_typed = True
        self.rangeCommitted.emit(lo, hi)
