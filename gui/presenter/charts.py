"""The presenter's two painted figures: a layer's per-channel max|w| (erased channels in red) and accuracy bars.

Both paint only what they were given from the cache: no computation beyond scaling to pixels.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from . import style


class ChannelChart(QWidget):
    """One bar per output channel: its max|w|; red columns: erased by one per-tensor scale; the step/2 line (log scale)."""

    def __init__(self, step: dict, arrays: dict, parent=None):
        super().__init__(parent)
        self.setObjectName("channelChart")
        self.abs_max = np.asarray(arrays["abs_max"], float)
        self.erased = np.asarray(arrays["collapsed"], bool)
        self.dead = np.asarray(arrays["dead"], bool)
        self.half_step = float(step["step"]) / 2
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        h = self.window().height() or self.height()
        p.setFont(style.font(h, style.SMALL))
        fm = p.fontMetrics()
        left, bottom = fm.horizontalAdvance("max|w| ") + 8, fm.height() + 10
        plot = QRectF(left, 8, self.width() - left - 8, self.height() - bottom - 8)
        positive = self.abs_max[self.abs_max > 0]
        top = float(positive.max()) * 1.6 if len(positive) else 1.0       # headroom for the dead-channel marks
        floor = min(float(positive.min()) if len(positive) else 1e-3, self.half_step or 1.0) / 3
        span = math.log10(top / floor)
        n = max(len(self.abs_max), 1)
        w = plot.width() / n

        def y(v):      # log scale: the ordinary channels, step/2 and the widest channel all show
            return plot.bottom() - plot.height() * min(max(math.log10(max(v, floor) / floor) / span, 0.0), 1.0)

        for i, v in enumerate(self.abs_max):
            x = plot.left() + i * w
            if self.erased[i]:
                p.fillRect(QRectF(x, plot.top(), max(w - 1, 1), plot.height()), QColor(255, 70, 70, 90))
            color = style.BAD if self.erased[i] else style.BAR
            bar_h = max(plot.bottom() - y(v), 2.0)
            p.fillRect(QRectF(x + w * 0.1, plot.bottom() - bar_h, max(w * 0.8, 1), bar_h), color)
            if self.dead[i]:
                p.setPen(QPen(style.ACCENT, 2))
                p.drawText(QRectF(x, y(v) - fm.height(), w, fm.height()), Qt.AlignCenter, "×")
        p.setPen(QPen(style.ACCENT, 3, Qt.DashLine))
        ys = y(self.half_step)
        p.drawLine(plot.left(), ys, plot.right(), ys)
        p.setPen(style.TEXT)
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        p.drawText(QRectF(0, plot.top(), left - 4, fm.height()), Qt.AlignRight, "max|w|")
        p.setPen(style.DIM)
        p.drawText(QRectF(0, plot.top() + fm.height(), left - 4, fm.height()), Qt.AlignRight, "(log)")
        note = "step/2: below it a weight rounds to 0"
        box = QRectF(plot.left() + 6, ys - fm.height() - 4, fm.horizontalAdvance(note) + 8, fm.height())
        p.fillRect(box, style.BACKGROUND)
        p.setPen(style.ACCENT)
        p.drawText(box, Qt.AlignCenter, note)
        p.setPen(style.DIM)
        p.drawText(QRectF(plot.left(), plot.bottom() + 4, plot.width(), fm.height()), Qt.AlignCenter,
                   f"{len(self.abs_max)} output channels")
        p.end()


class AccuracyBars(QWidget):
    """Horizontal bars, one per configuration (label, top-1); the last one is this step's and is highlighted.

    The axis starts where it says (a few points below the lowest bar), so half a point shows."""

    def __init__(self, rows: list[dict], parent=None):
        super().__init__(parent)
        self.setObjectName("accuracyBars")
        self.rows = rows
        lo = min(r["accuracy"] for r in rows)
        hi = max(r["accuracy"] for r in rows)
        self.axis_start = max(0.0, math.floor((lo - max(0.02, (hi - lo) * 0.5)) * 100) / 100)
        self.axis_end = min(1.0, math.ceil((hi + 0.005) * 100) / 100)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        h = self.window().height() or self.height()
        p.setFont(style.font(h, style.SMALL))
        fm = p.fontMetrics()
        label_w = max(fm.horizontalAdvance(r["label"]) for r in self.rows) + 16
        value_w = fm.horizontalAdvance("100.00 %") + 12
        plot = QRectF(label_w, 4, self.width() - label_w - value_w, self.height() - fm.height() - 12)
        n = len(self.rows)
        row_h = plot.height() / max(n, 1)
        span = (self.axis_end - self.axis_start) or 1.0
        for i, r in enumerate(self.rows):
            top = plot.top() + i * row_h
            last = i == n - 1
            color = style.ACCENT if last else (style.DIM if r.get("what") == "float32" else style.BAR)
            frac = min(max((r["accuracy"] - self.axis_start) / span, 0.0), 1.0)
            p.fillRect(QRectF(plot.left(), top + row_h * 0.15, plot.width() * frac, row_h * 0.7), color)
            p.setPen(style.ACCENT if last else style.TEXT)
            p.drawText(QRectF(0, top, label_w - 10, row_h), Qt.AlignRight | Qt.AlignVCenter, r["label"])
            p.drawText(QRectF(plot.left() + plot.width() * frac + 8, top, value_w, row_h), Qt.AlignLeft | Qt.AlignVCenter,
                       style.pct(r["accuracy"]))
        p.setPen(style.DIM)
        p.drawText(QRectF(plot.left(), plot.bottom() + 4, plot.width(), fm.height()), Qt.AlignLeft,
                   f"top-1; axis from {self.axis_start * 100:.0f} % to {self.axis_end * 100:.0f} %")
        p.end()
