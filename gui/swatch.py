"""Colour swatches for the rich-text legends (graph, compare graph, layer table): a small box of the colour
with a dark grey border, so that white and pale stops (the compare graph's "equal", the table's pale tints)
stay visible on a white or light background. Qt's rich text draws no CSS border on a span, so each swatch is
an inline PNG (a data: URL, which QLabel renders).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QFontMetrics, QGuiApplication, QImage, QPainter, QPen

BORDER = QColor(90, 90, 90)


def _size() -> tuple[int, int]:
    """The swatch's (width, height) in pixels: about the height of a capital of the application's font."""
    h = QFontMetrics(QGuiApplication.font()).ascent() if QGuiApplication.instance() else 11
    h = max(9, h)
    return round(1.5 * h), h


@lru_cache(maxsize=256)
def _png(colour: str, w: int, h: int) -> str:
    im = QImage(w, h, QImage.Format_ARGB32)
    im.fill(QColor(colour))
    p = QPainter(im)
    p.setPen(QPen(BORDER, 1))
    p.drawRect(0, 0, w - 1, h - 1)
    p.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.WriteOnly)
    im.save(buf, "PNG")
    return base64.b64encode(bytes(data)).decode("ascii")


def swatch(colour: str) -> str:
    """Rich text for one bordered box of ``colour`` (any CSS/Qt colour name, e.g. ``#f7f7f7``)."""
    w, h = _size()
    return f"<img src='data:image/png;base64,{_png(QColor(colour).name(), w, h)}' width={w} height={h}>"


def swatches(colours) -> str:
    """The boxes of a colour scale, side by side (``colours``: its stops' colours, low to high)."""
    return "&nbsp;".join(swatch(c) for c in colours)
