"""A streaming per-tensor histogram: min, max and counts over a range that grows.

Bins are uniform over ``[lo, lo + bins * width]``; the range always contains 0.0
(an int8 activation range must contain 0, so the part of the axis between 0 and
the data is always of interest). When a batch falls outside the range, the range
grows to an *integer multiple* of the old bin width, aligned with the old edges,
so every old bin lies entirely inside one new bin: re-binning moves whole counts
and never approximates or loses any. Counts are float64; ``total`` always equals
the number of values seen.
"""

from __future__ import annotations

import math

import numpy as np

DEFAULT_BINS = 2048
_DEGENERATE_WIDTH = 1e-12   # bin width while every value seen is 0.0


class NonFiniteError(ValueError):
    """An activation contains NaN or Inf."""


class Histogram:
    """Counts of values in ``bins`` uniform bins plus the exact min and max seen."""

    def __init__(self, bins: int = DEFAULT_BINS):
        if bins < 8:
            raise ValueError(f"a histogram needs at least 8 bins, got {bins}")
        self.bins = int(bins)
        self.counts = np.zeros(self.bins, np.float64)
        self.lo = 0.0          # left edge of bin 0
        self.width = 0.0       # bin width; 0 until the first value
        self.min = math.inf    # exact extremes of the values seen
        self.max = -math.inf
        self.version = 0       # bumped on every change (caches of derived sums key on it)

    # ---- geometry --------------------------------------------------------------
    @property
    def total(self) -> float:
        return float(self.counts.sum())

    @property
    def empty(self) -> bool:
        return self.width == 0.0

    @property
    def hi(self) -> float:
        return self.lo + self.bins * self.width

    @property
    def edges(self) -> np.ndarray:
        return self.lo + self.width * np.arange(self.bins + 1, dtype=np.float64)

    @property
    def centers(self) -> np.ndarray:
        return self.lo + self.width * (np.arange(self.bins, dtype=np.float64) + 0.5)

    # ---- accumulation ----------------------------------------------------------
    def update(self, values, where: str = "") -> None:
        """Add every element of ``values``; ``where`` names the tensor/batch for errors."""
        x = np.asarray(values)
        if x.size == 0:
            return
        x = x.reshape(-1)
        vmin, vmax = float(x.min()), float(x.max())
        if not (math.isfinite(vmin) and math.isfinite(vmax)):
            bad = "NaN" if np.isnan(x).any() else "Inf"
            raise NonFiniteError(f"{where or 'activation'}: contains {bad} "
                                 f"({int(np.count_nonzero(~np.isfinite(x)))} of {x.size} values)")
        self._cover(vmin, vmax)
        if x.dtype == np.float32:   # activations: float32 arithmetic (a bin index needs ~11 bits), half the memory
            u = (x - np.float32(self.lo)) * np.float32(1.0 / self.width)
        else:
            u = (x.astype(np.float64) - self.lo) * (1.0 / self.width)
        np.clip(u, 0, self.bins - 1, out=u)
        self.counts += np.bincount(u.astype(np.intp), minlength=self.bins)[: self.bins]
        self.min = min(self.min, vmin)
        self.max = max(self.max, vmax)
        self.version += 1

    def add_binned(self, counts, vmin: float, vmax: float, lo: float, width: float) -> bool:
        """Add a batch binned elsewhere (in the TF graph) on the grid ``lo + i * width``.

        The histogram first grows to cover ``[vmin, vmax]`` exactly as :meth:`update` would;
        the counts are accepted only if that gives the same grid, else nothing is added
        and ``False`` is returned (recount the batch on ``self.lo``/``self.width``; the
        range is already grown, so calling again with the recounted batch succeeds).
        """
        vmin, vmax = float(vmin), float(vmax)
        if not (math.isfinite(vmin) and math.isfinite(vmax)):
            raise NonFiniteError(f"non-finite batch extremes {vmin}, {vmax}")
        self._cover(vmin, vmax)
        if self.lo != float(lo) or self.width != float(width):
            return False
        counts = np.asarray(counts)
        if counts.shape != (self.bins,):
            raise ValueError(f"expected {self.bins} counts, got shape {counts.shape}")
        self.counts += counts
        self.min = min(self.min, vmin)
        self.max = max(self.max, vmax)
        self.version += 1
        return True

    def _cover(self, vmin: float, vmax: float) -> None:
        """Grow the range (aligned, integer factor) so ``[vmin, vmax]`` and 0 are inside."""
        vmin, vmax = min(vmin, 0.0), max(vmax, 0.0)
        if self.empty:
            span = vmax - vmin
            self.lo = vmin
            self.width = span / self.bins if span > 0 else _DEGENERATE_WIDTH
            return
        if vmin >= self.lo and vmax <= self.hi:
            return
        w = self.width
        shift = max(0, math.ceil((self.lo - vmin) / w))           # old bins added on the left
        new_lo = self.lo - shift * w
        top = max(vmax, self.hi)                                  # keep every old bin inside
        factor = max(1, math.ceil((top - new_lo) / (self.bins * w)))
        while new_lo + self.bins * factor * w < top:
            factor += 1
        factor = max(factor, -(-(shift + self.bins) // self.bins))   # integer guarantee, whatever the rounding
        old_index = np.arange(self.bins, dtype=np.int64) + shift
        new_counts = np.bincount(old_index // factor, weights=self.counts, minlength=self.bins)
        if len(new_counts) > self.bins:  # cannot happen by construction; guard against silent loss
            raise AssertionError("re-binning overflow")
        self.counts = new_counts.astype(np.float64)
        self.lo = new_lo
        self.width = w * factor

    def merge(self, other: Histogram) -> Histogram:
        """A new histogram holding both (counts placed by bin centre, totals exact)."""
        out = Histogram(max(self.bins, other.bins))
        for h in (self, other):
            if h.empty:
                continue
            out._cover(h.min, h.max)
        for h in (self, other):
            if h.empty:
                continue
            c = np.clip(h.centers, h.min, h.max)
            idx = np.clip(((c - out.lo) / out.width).astype(np.int64), 0, out.bins - 1)
            out.counts += np.bincount(idx, weights=h.counts, minlength=out.bins)
            out.min, out.max = min(out.min, h.min), max(out.max, h.max)
        return out

    @staticmethod
    def union(hists: list[Histogram]) -> Histogram:
        if len(hists) == 1:
            return hists[0]
        out = hists[0]
        for h in hists[1:]:
            out = out.merge(h)
        return out

    # ---- construction / persistence -------------------------------------------
    @classmethod
    def from_values(cls, values, bins: int = DEFAULT_BINS) -> Histogram:
        h = cls(bins)
        h.update(values)
        return h

    @classmethod
    def from_counts(cls, counts, lo: float, width: float, vmin: float, vmax: float) -> Histogram:
        counts = np.asarray(counts, np.float64)
        h = cls(len(counts))
        h.counts = counts.copy()
        h.lo, h.width, h.min, h.max = float(lo), float(width), float(vmin), float(vmax)
        return h

    def to_arrays(self) -> dict:
        """Arrays for an ``.npz``: counts and ``[lo, width, min, max]``."""
        return {"counts": self.counts, "geometry": np.array([self.lo, self.width, self.min, self.max], np.float64)}

    @classmethod
    def from_arrays(cls, counts, geometry) -> Histogram:
        lo, width, vmin, vmax = (float(v) for v in geometry)
        return cls.from_counts(counts, lo, width, vmin, vmax)

    def __repr__(self) -> str:
        return f"Histogram(bins={self.bins}, min={self.min:g}, max={self.max:g}, total={self.total:g})"
