"""Per-channel weight range spread of every weighted layer, before and after equalization.

Spread = max / median of the per-channel max|w| over the channels TFLite quantizes
separately (Conv2D output channels, DepthwiseConv2D channels; Dense has one range and
is reported over its output columns). One per-tensor int8 range must cover the largest
channel, so a spread of 100 leaves the median channel about 100x fewer int8 steps.
"""

from __future__ import annotations

import numpy as np

from .cle import out_ranges

SPREAD_TARGET = 2.0   # issue 12: every depthwise layer at most 2x after CLE


def spread(cls: str, kernel: np.ndarray) -> float:
    r = out_ranges(cls, np.asarray(kernel, np.float64))
    med = float(np.median(r))
    return float(r.max() / med) if med > 0 else float("inf")


def spread_table(before: dict[str, list], after: dict[str, list], classes: dict[str, str],
                 equalized: set[str]) -> list[dict]:
    """One row per weighted layer, graph order of ``before``."""
    rows = []
    for name, (k0, _b0) in before.items():
        cls = classes[name]
        rows.append({"layer": name, "type": cls, "channels": int(out_ranges(cls, np.asarray(k0)).size),
                     "spread_before": round(spread(cls, k0), 4), "spread_after": round(spread(cls, after[name][0]), 4),
                     "max_abs_before": float(np.abs(k0).max()), "max_abs_after": float(np.abs(after[name][0]).max()),
                     "equalized": name in equalized})
    return rows


def depthwise_spread(rows: list[dict]) -> tuple[float, float]:
    """The largest depthwise spread before and after equalization in ``rows`` (:func:`spread_table`, the
    report's ``spread``); 0 without a depthwise layer."""
    dw = [r for r in rows if r["type"] == "DepthwiseConv2D"]
    return (max((r["spread_before"] for r in dw), default=0.0), max((r["spread_after"] for r in dw), default=0.0))


def format_table(rows: list[dict]) -> str:
    lines = [f"{'layer':28s} {'type':16s} {'ch':>5s} {'spread before':>14s} {'after':>9s}"]
    for r in rows:
        mark = "" if r["equalized"] else "  (not in a pair)"
        lines.append(f"{r['layer']:28s} {r['type']:16s} {r['channels']:5d} {r['spread_before']:14.2f} "
                     f"{r['spread_after']:9.2f}{mark}")
    return "\n".join(lines)
