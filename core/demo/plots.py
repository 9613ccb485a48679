"""PNG plots rendered with PIL only (no display, no matplotlib, no Qt)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

W, H = 520, 230
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 44, 12, 26, 36
COLORS = {"greedy": (0, 140, 60), "minmax": (200, 40, 40)}
BAR = (90, 120, 170)


def _font():
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=11)
    except TypeError:   # Pillow < 10.1
        return ImageFont.load_default()


def histogram_png(path: str | Path, title: str, edges: np.ndarray, counts: np.ndarray,
                  ranges: dict[str, tuple[float, float]]) -> None:
    """Log-count histogram with the chosen ranges as vertical lines (one colour per method)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    font = _font()
    lo = min([float(edges[0])] + [r[0] for r in ranges.values()])
    hi = max([float(edges[-1])] + [r[1] for r in ranges.values()])
    if hi <= lo:
        hi = lo + 1.0
    pad = (hi - lo) * 0.03
    lo, hi = lo - pad, hi + pad
    x0, x1, y0, y1 = MARGIN_L, W - MARGIN_R, MARGIN_T, H - MARGIN_B

    def xpix(v):
        return x0 + (v - lo) / (hi - lo) * (x1 - x0)

    c = np.log10(1.0 + np.asarray(counts, np.float64))
    top = c.max() if c.size and c.max() > 0 else 1.0
    # merge bins so that each drawn bar is at least one pixel wide
    n = len(c)
    step = max(1, int(np.ceil(n / max(1, (xpix(edges[-1]) - xpix(edges[0]))))))
    for i in range(0, n, step):
        v = np.log10(1.0 + np.asarray(counts[i:i + step], np.float64).sum())
        if v <= 0:
            continue
        xa, xb = xpix(edges[i]), xpix(edges[min(i + step, n)])
        d.rectangle([xa, y1 - (y1 - y0) * min(v / (top + np.log10(step)), 1.0), max(xb - 1, xa), y1], fill=BAR)
    d.line([x0, y1, x1, y1], fill="black")
    d.line([x0, y0, x0, y1], fill="black")
    zero = xpix(0.0)
    if x0 <= zero <= x1:
        d.line([zero, y0, zero, y1], fill=(160, 160, 160))
    legend_x = x0 + 4
    for method, (rmin, rmax) in ranges.items():
        col = COLORS.get(method, (120, 60, 160))
        for v in (rmin, rmax):
            xv = xpix(v)
            d.line([xv, y0, xv, y1], fill=col, width=2)
        label = f"{method} [{rmin:.4g}, {rmax:.4g}]"
        d.text((legend_x, 6), label, fill=col, font=font)
        legend_x += int(d.textlength(label, font=font)) + 14
    for v in (lo + pad, hi - pad):
        d.text((xpix(v) - 10, y1 + 4), f"{v:.3g}", fill="black", font=font)
    d.text((x0, H - 16), title + "  (log counts)", fill="black", font=font)
    img.save(path, "PNG")
