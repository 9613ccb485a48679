"""The presenter's look: high contrast (white on black, yellow and red accents), type sized from the screen height.

At 720 px the body text is 30 px and titles 50 px; at 1080 px 45 and 75 px: readable from the back
of a room on a projector. Every size is a fraction of the window height, so the same story fits
1280x720 and 1920x1080 alike.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont

BACKGROUND = QColor(0, 0, 0)
TEXT = QColor(255, 255, 255)
DIM = QColor(190, 190, 190)
ACCENT = QColor(255, 214, 0)       # the figure that matters on this step
GOOD = QColor(80, 220, 110)
BAD = QColor(255, 70, 70)
BAR = QColor(90, 160, 255)

BODY = 1 / 24          # body text height as a fraction of the window height
TITLE = 1 / 14.4
SMALL = 1 / 30


def font(height: int, fraction: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setPixelSize(max(12, int(round(height * fraction))))
    f.setBold(bold)
    return f


def sheet(height: int) -> str:
    """The window's style sheet (sizes come from :func:`font`: a style sheet's font-size would override them)."""
    return "QWidget#presenter { background: black; } QLabel { color: white; background: transparent; }"


def pct(x) -> str:
    return "–" if x is None else f"{x * 100:.2f} %"
