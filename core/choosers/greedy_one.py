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
import threading
from types import SimpleNamespace

import numpy as np

POLISH = 2           # neighbouring offsets checked after the bisection

_MIDS = 15.0 + 16.0 * np.arange(15)
_ENDS = np.array([-128.0, 127.0])[:, None, None]
# (-128 - zp, 127 - zp): the range ends in steps, of the first pass's 30 offsets and of the second
# pass's 20 (there minus the block's lo: integers, so the same numbers as the bisection's _ends)
_COARSE = _ENDS - (np.concatenate([_MIDS, _MIDS + 1.0]) - 128.0)[:, None]
_WINDOW = _ENDS - (np.arange(-POLISH, 16 + POLISH) - 128.0)[:, None]
_AROUND = np.arange(-POLISH, POLISH + 1)[:, None]


def _bisection_table() -> np.ndarray:
    """Where 4 bisection rounds over 16 offsets end, for every outcome of the 15 comparisons they may make.

    Round h = 8, 4, 2, 1 compares offset ``mid = lo + h - 1`` with ``mid + 1`` and moves ``lo`` to
    ``mid + 1`` when the cost still falls there; bit ``m`` of the index: it falls at ``mid = m``.
    """
    code = np.arange(1 << 15)
    lo = np.zeros_like(code)
    for h in (8, 4, 2, 1):
        lo += h * ((code >> (lo + h - 1)) & 1)
    return lo.astype(np.intp)


_LANDS = _bisection_table()
_LANDS16 = 16 * _LANDS
_BITS = 1 << np.arange(15)


def search_one(hist, steps: np.ndarray, gamma: float):
    """Best offset for every candidate step: ``(best_zp, best_cost, prefix sums)`` as ``GreedyChooser._search``."""
    m = OneHistogram(hist)
    c = m.cost(_COARSE, steps, gamma)
    lo4 = _LANDS16.take(_BITS @ (c[15:] < c[:15]))           # rounds 1-4, on blocks of 16 offsets (p units)
    cw = m.cost(_WINDOW - lo4, steps, gamma)               # row r: p = lo4 - POLISH + r
    lo = lo4 + _LANDS.take(_BITS @ (cw[POLISH + 1:POLISH + 16] < cw[POLISH:POLISH + 15]))   # rounds 5-8
    k = len(steps)
    cols = np.arange(k)
    p = np.minimum(np.maximum(lo + _AROUND, 0), 255)       # the polish, offsets clipped as the bisection's
    costs = cw.take((p - lo4 + POLISH) * k + cols)
    best = np.argmin(costs, axis=0) * k + cols
    return p.take(best) - 128.0, costs.take(best), m


_HALF: dict = {}


def _half(n: int) -> np.ndarray:
    h = _HALF.get(n)
    if h is None:
        h = _HALF[n] = np.arange(n, dtype=np.float64) + 0.5
        h.flags.writeable = False
    return h


_local = threading.local()


def _workspace(size: int):
    """This thread's scratch arrays for :meth:`OneHistogram.cost`, at least ``size`` entries each."""
    w = getattr(_local, "work", None)
    if w is None or len(w.mask) < 2 * size:
        w = _local.work = SimpleNamespace(f=[np.empty(2 * size) for _ in range(5)], mask=np.empty(2 * size, bool),
                                          idx=np.empty(2 * size, np.intp), p=np.empty(6 * size))
    return w


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
        centers = np.minimum(np.maximum(_half(n), umin), umax)        # as _Stacked: lo + clip(k + 0.5)·w
        np.add(lo, np.multiply(centers, w, out=centers), out=centers)
        counts = hist.counts
        p = np.zeros((3, n + 1))                 # prefix sums of n, n·c, n·c²
        np.cumsum(counts, out=p[0, 1:])
        np.cumsum(counts * centers, out=p[1, 1:])
        np.multiply(counts, np.square(centers, out=centers), out=centers)     # counts · centers²
        np.cumsum(centers, out=p[2, 1:])
        self.p, self.end = p, p[:, n, None, None]
        self.total = max(float(p[0, n]), 1.0)

    def cost(self, ends, steps, gamma):
        """``_Stacked.cost`` of the ranges ``[ends[0]·Δ, ends[1]·Δ]`` for every step Δ: ``(rows, K)``.

        ``ends`` is ``(-128 - zp, 127 - zp)``, shape (2, rows, 1) or (2, rows, K).

        Both range ends go through one set of calls (axis 0: a, then b), each step written into a
        per-thread workspace (``out=``): freshly allocated temporaries this size are handed back to the OS
        after each evaluation and faulted in again by the next, which tripled the time. Entries with an
        offset outside [-128, 127] are garbage, never read.
        """
        rk = ends.shape[1] * len(steps)
        shape = (2, ends.shape[1], len(steps))
        w = _workspace(rk)
        e, q, t, s, u = (v[: 2 * rk].reshape(shape) for v in w.f)
        mask = w.mask[: 2 * rk].reshape(shape)
        idx = w.idx[: 2 * rk].reshape(shape)
        p = w.p[: 6 * rk].reshape((3,) + shape)
        np.multiply(ends, steps, out=e)                                      # a = (-128 - zp)·Δ, b = (127 - zp)·Δ
        np.divide(np.subtract(e, self.lo, out=q), self.w, out=q)
        np.subtract(q, 0.5, out=t)
        np.ceil(t[0], out=t[0])                  # i: clamped centres below a (_Stacked._count_below "left")
        np.add(np.floor(t[1], out=t[1]), 1.0, out=t[1])       # j: at or below b ("right")
        if self.all_negative:
            np.copyto(t[0], float(self.n), where=np.greater(q[0], self.umax, out=mask[0]))
        np.copyto(t[0], 0.0, where=np.less_equal(q[0], self.umin, out=mask[0]))
        if self.all_positive:
            np.copyto(t[1], 0.0, where=np.less(q[1], self.umin, out=mask[1]))
        np.copyto(t[1], float(self.n), where=np.greater_equal(q[1], self.umax, out=mask[1]))
        np.copyto(idx, t, casting="unsafe")
        self.p.take(idx, axis=1, mode="clip", out=p)                       # prefix sums at i (axis 1: 0) and j (1)
        inside = np.subtract(p[0, 1], p[0, 0], out=t[0])
        np.subtract(self.end, p[:, 1], out=p[:, 1])                          # sums above b
        # left = a*a*c0 - 2.0*a*c1 + c2 and right = b*b*r0 - 2.0*b*r1 + r2, as _Stacked.cost orders them
        np.multiply(np.multiply(e, e, out=s), p[0], out=s)
        np.multiply(np.multiply(2.0, e, out=u), p[1], out=u)
        np.add(np.subtract(s, u, out=s), p[2], out=s)
        np.maximum(s, 0.0, out=s)
        e_sat = np.add(s[0], s[1], out=s[0])
        if gamma != 1.0:
            np.multiply(gamma, e_sat, out=e_sat)
        np.multiply(np.multiply(inside, steps, out=inside), steps, out=inside)
        np.add(np.divide(inside, 12.0, out=inside), e_sat, out=inside)
        return np.divide(inside, self.total)

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
