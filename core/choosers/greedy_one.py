"""The greedy search of :mod:`core.choosers.greedy` for ONE histogram, in two numpy passes.

The vectorised search bisects the 256 offsets of every candidate step in lockstep: after r rounds
``lo..hi`` holds 256 / 2**r offsets, for every step at once. So in offset units ``p = zp + 128``

- rounds 1-4 compare the cost at ``p = 15 + 16·m`` and ``p + 1`` (m = 0..14) and nothing else;
- once round 4 has left ``lo = L``, rounds 5-8 and the polish look only at ``p`` in
  ``[L - POLISH, L + 15 + POLISH]``.

:func:`search_one` evaluates those 30 and then 20 offsets per step in two passes and replays the
bisection's comparisons on them: the same arithmetic on the same numbers, hence the same offsets
and costs bit for bit (``tests/test_greedy_one.py``), with ~90 numpy calls instead of ~500.
On one tensor that is what costs: the arrays are small, the time is the calls.
"""

from __future__ import annotations

import math

import numpy as np

POLISH = 2           # neighbouring offsets checked after the bisection

_MIDS = 15.0 + 16.0 * np.arange(15)
_COARSE = (np.concatenate([_MIDS, _MIDS + 1.0]) - 128.0)[:, None]          # zp of the first pass
_WINDOW = np.arange(-POLISH, 16 + POLISH)[:, None]                           # p - L of the second pass
_AROUND = np.arange(-POLISH, POLISH + 1)[:, None]


def search_one(hist, steps: np.ndarray, gamma: float):
    """Best offset for every candidate step: ``(best_zp, best_cost, prefix sums)`` as ``GreedyChooser._search``."""
    m = OneHistogram(hist)
    k = len(steps)
    cols = np.arange(k)
    c = m.cost_zp(_COARSE, steps, gamma)
    down = (c[15:] < c[:15]).ravel()             # row r: the cost still falls at p = 15 + 16·r
    f = cols.copy()                              # flat index of (lo / 16, step)
    for h in (8, 4, 2, 1):                       # rounds 1-4: mid = lo + 16·h - 1, row lo / 16 + h - 1
        f = f + (h * k) * down.take(f + (h - 1) * k)
    lo = (f - cols) // k * 16
    cw = m.cost_zp(lo + _WINDOW - 128.0, steps, gamma)
    down = (cw[1:] < cw[:-1]).ravel()            # row r: cost(p = L - POLISH + r + 1) < cost(p = L - POLISH + r)
    f = cols + POLISH * k                        # flat index of (lo - (L - POLISH), step)
    for h in (8, 4, 2, 1):                       # rounds 5-8
        f = f + (h * k) * down.take(f + (h - 1) * k)
    base = lo - POLISH
    p = np.minimum(np.maximum((f - cols) // k + base + _AROUND, 0), 255)     # polish, clipped to the offsets
    costs = cw.ravel().take((p - base) * k + cols)
    best = np.argmin(costs, axis=0) * k + cols
    return p.ravel().take(best) - 128.0, costs.ravel().take(best), m


class OneHistogram:
    """``greedy._Stacked`` for one histogram: same arithmetic on the same numbers (so the same costs),
    1-D and with fewer numpy calls.

    The index rule is ``_Stacked._count_below``'s; ``take(mode="clip")`` is its final clip to [0, n].
    A range end a <= 0 can pass umax only when every value is negative, an end b >= 0 fall below umin
    only when every value is positive: those tests are skipped when they cannot hold.
    """

    def __init__(self, hist):
        n = self.n = hist.bins
        self.lo, self.w = lo, w = hist.lo, hist.width
        self.umin, self.umax = umin, umax = (hist.min - lo) / w, (hist.max - lo) / w
        self.all_negative, self.all_positive = hist.max < 0.0, hist.min > 0.0
        centers = lo + np.minimum(np.maximum(np.arange(n, dtype=np.float64) + 0.5, umin), umax) * w
        counts = hist.counts
        p = np.empty((3, n + 1))                 # prefix sums of n, n·c, n·c²
        p[:, 0] = 0.0
        np.cumsum(counts, out=p[0, 1:])
        np.cumsum(counts * centers, out=p[1, 1:])
        np.cumsum(counts * centers ** 2, out=p[2, 1:])
        self.p = p
        self.total = max(float(p[0, n]), 1.0)

    def cost_zp(self, zp, steps, gamma):
        return self.cost((-128.0 - zp) * steps, (127.0 - zp) * steps, steps, gamma)

    def cost(self, a, b, step, gamma):
        """``_Stacked.cost`` of ranges with a <= 0 <= b (entries where that fails are garbage, unused)."""
        q = (a - self.lo) / self.w
        i = np.ceil(q - 0.5)
        if self.all_negative:
            i = np.where(q > self.umax, self.n, i)
        i = np.where(q <= self.umin, 0.0, i)
        q = (b - self.lo) / self.w
        j = np.floor(q - 0.5) + 1.0
        if self.all_positive:
            j = np.where(q < self.umin, 0.0, j)
        j = np.where(q >= self.umax, self.n, j)
        p = self.p
        c0, c1, c2 = p.take(i.astype(np.intp), axis=1, mode="clip")
        pj = p.take(j.astype(np.intp), axis=1, mode="clip")
        r0, r1, r2 = p[:, -1].reshape((3,) + (1,) * (pj.ndim - 1)) - pj
        left = a * a * c0 - 2.0 * a * c1 + c2
        right = b * b * r0 - 2.0 * b * r1 + r2
        e_sat = np.maximum(left, 0.0) + np.maximum(right, 0.0)
        if gamma != 1.0:
            e_sat = gamma * e_sat
        return ((pj[0] - c0) * step * step / 12.0 + e_sat) / self.total

    def cost_scalar(self, a: float, b: float, step: float, gamma: float) -> float:
        """:meth:`cost` of one range in plain floats (same IEEE operations, no numpy call overhead)."""
        n, p = self.n, self.p
        q = (a - self.lo) / self.w
        i = 0 if q <= self.umin else n if q > self.umax else min(max(math.ceil(q - 0.5), 0), n)
        q = (b - self.lo) / self.w
        j = 0 if q < self.umin else n if q >= self.umax else min(max(math.floor(q - 0.5) + 1, 0), n)
        c0, c1, c2 = float(p[0, i]), float(p[1, i]), float(p[2, i])
        e0, e1, e2 = float(p[0, n]), float(p[1, n]), float(p[2, n])
        j0, j1, j2 = float(p[0, j]), float(p[1, j]), float(p[2, j])
        left = a * a * c0 - 2.0 * a * c1 + c2
        right = b * b * (e0 - j0) - 2.0 * b * (e1 - j1) + (e2 - j2)
        e_sat = max(left, 0.0) + max(right, 0.0)
        return ((j0 - c0) * step * step / 12.0 + gamma * e_sat) / self.total
