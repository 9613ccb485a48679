"""``percentile``: clip the rarest tail values (99.99th percentile by default)."""

from __future__ import annotations

import numpy as np

from .base import Chooser


def quantile(hist, q: float) -> float:
    """The value below which a fraction ``q`` of the values lie (linear inside a bin)."""
    cum = np.concatenate([[0.0], np.cumsum(hist.counts)])
    target = q * cum[-1]
    i = int(np.searchsorted(cum, target, side="left"))
    i = min(max(i, 1), hist.bins)
    lo_c, hi_c = cum[i - 1], cum[i]
    frac = 0.0 if hi_c <= lo_c else (target - lo_c) / (hi_c - lo_c)
    value = hist.lo + (i - 1 + frac) * hist.width
    return float(np.clip(value, hist.min, hist.max))


class PercentileChooser(Chooser):
    name = "percentile"
    description = "Clips at the 99.99th percentile of the values"

    def __init__(self, gamma: float = 1.0, percentile: float = 99.99, **_):
        super().__init__(gamma)
        if not 50.0 < percentile <= 100.0:
            raise ValueError(f"percentile must be in (50, 100], got {percentile}")
        self.percentile = float(percentile)

    def _range(self, hist):
        p = self.percentile / 100.0
        hi = quantile(hist, p) if hist.max > 0 else hist.max
        lo = quantile(hist, 1.0 - p) if hist.min < 0 else hist.min
        return lo, hi
