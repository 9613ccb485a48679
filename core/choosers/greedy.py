"""``greedy``: a search over the quantizer's step Δ and offset (arXiv 1803.08607; docs/int8-spec.md, section 5).

Candidate set (see docs/greedy.md): every 8-bit asymmetric grid with
- a step ``Δ = Δ0·f`` for ``f`` on a geometric grid of :data:`N_STEPS` values from
  :data:`MIN_FRACTION` to 1, ``Δ0 = (max - min) / 255`` the min/max step (range
  extended to include 0), and
- an integer zero point ``zp`` in [-128, 127], i.e. the range
  ``[(-128 - zp)·Δ, (127 - zp)·Δ]`` (0 is always exactly on the grid),
plus the min/max range itself. Cost: ``E_round + γ·E_sat`` from the histogram
(:mod:`core.quant.error`).

Search: for every Δ at once (vectorised), the best offset is found by bisection on
the cost's slope in ``zp`` (the saturation terms are convex in the range ends; the
rounding term only moves by ``Δ²/12`` per value crossing an end), then polished by
checking the neighbouring offsets; the best (Δ, zp) overall wins and is nudged
exactly as TFLite stores it. :func:`brute_force` evaluates the whole candidate set
for tests and benchmarks. One histogram alone takes :mod:`.greedy_one`: the same
search, bit for bit, in two numpy passes instead of nine.
"""

from __future__ import annotations

import numpy as np

from ..quant.error import moments_of
from .base import DEGENERATE_RANGE, Choice, Chooser, Landscape, cost_of, safe_nudge
from .greedy_one import POLISH as _POLISH
from .greedy_one import search_one

N_STEPS = 128
MIN_FRACTION = 1.0 / 256.0


_FRACTIONS: dict = {}


def _fractions(n_steps: int, min_fraction: float) -> np.ndarray:
    """``np.geomspace(min_fraction, 1, n_steps)``, computed once (it costs more than a whole cost evaluation)."""
    f = _FRACTIONS.get((n_steps, min_fraction))
    if f is None:
        f = _FRACTIONS[(n_steps, min_fraction)] = np.geomspace(min_fraction, 1.0, n_steps)
        f.flags.writeable = False
    return f


def candidate_steps(hist, n_steps: int = N_STEPS, min_fraction: float = MIN_FRACTION) -> np.ndarray:
    lo, hi = min(hist.min, 0.0), max(hist.max, 0.0)
    if not hi > lo:
        lo, hi = DEGENERATE_RANGE
    step0 = (hi - lo) / 255.0
    return step0 * _fractions(n_steps, min_fraction)


def _ends(zp, steps):
    return (-128.0 - zp) * steps, (127.0 - zp) * steps


def brute_force(hist, gamma: float = 1.0, n_steps: int = N_STEPS):
    """Cost of every (Δ, zp) candidate: returns ``(steps, costs[n_steps, 256])``."""
    m = moments_of(hist)
    steps = candidate_steps(hist, n_steps)
    zp = np.arange(-128, 128, dtype=np.float64)[None, :]
    a, b = _ends(zp, steps[:, None])
    return steps, m.cost(a, b, np.broadcast_to(steps[:, None], a.shape), gamma)


class GreedyChooser(Chooser):
    """Minimise ``E_round + γ·E_sat`` over step and offset (γ = 1: the MSE; see docs/greedy.md)."""

    name = "greedy"
    description = "Searches the grid step Δ and offset that minimise rounding error + γ·clipping error"

    def __init__(self, gamma: float = 1.0, n_steps: int = N_STEPS, **_):
        super().__init__(gamma)
        self.n_steps = int(n_steps)

    def search(self, hist) -> Landscape:
        """Best offset for every candidate step of one histogram."""
        return self.search_many([hist])[0]

    def search_many(self, hists) -> list[Landscape]:
        """Best offset for every candidate step of every histogram, in one vectorised pass."""
        if len(hists) == 1:                      # one tensor: the same search in two passes (greedy_one)
            return [self._search_one(hists[0])[0]]
        return self._search(hists)[0]

    def _search(self, hists):
        m = _Stacked(hists)
        steps = np.stack([candidate_steps(h, self.n_steps) for h in hists])        # (T, K)
        g = self.gamma

        def cost(zp):                                                                # zp (..., T, K)
            a, b = _ends(zp, steps)
            return m.cost(a, b, steps, g)

        lo = np.full(steps.shape, -128.0)
        hi = np.full(steps.shape, 127.0)
        pair = np.array([0.0, 1.0])[:, None, None]
        while np.any(lo < hi):                   # bisection on the slope, 8 rounds for 256 offsets
            mid = np.floor((lo + hi) / 2.0)
            active = lo < hi
            c = cost(mid[None] + pair)           # cost at mid and mid + 1 in one evaluation
            down = c[1] < c[0]                   # still falling: the minimum is to the right
            lo = np.where(active & down, mid + 1.0, lo)
            hi = np.where(active & ~down, mid, hi)
        # polish: the rounding term can make the slope wiggle; check the neighbouring offsets
        zps = np.clip(lo[None] + np.arange(-_POLISH, _POLISH + 1, dtype=np.float64)[:, None, None], -128.0, 127.0)
        costs = cost(zps)
        k = np.argmin(costs, axis=0)[None]
        best_zp = np.take_along_axis(zps, k, 0)[0]
        best_cost = np.take_along_axis(costs, k, 0)[0]
        mins, maxs = _ends(best_zp, steps)
        return [Landscape(steps[t], mins[t], maxs[t], best_cost[t], g, int(np.argmin(best_cost[t])))
                for t in range(len(hists))], m

    def _search_one(self, hist):
        steps = candidate_steps(hist, self.n_steps)
        best_zp, best_cost, m = search_one(hist, steps, self.gamma)
        mins, maxs = _ends(best_zp, steps)
        return Landscape(steps, mins, maxs, best_cost, self.gamma, int(np.argmin(best_cost))), m

    def _choose_one(self, hist) -> Choice:
        """:meth:`choose_many`'s result for a group of one histogram, without its per-call overhead."""
        land, m = self._search_one(hist)
        both = (safe_nudge(land.mins[land.best], land.maxs[land.best]), safe_nudge(hist.min, hist.max))
        costs = [m.cost_scalar(p.min, p.max, p.scale, self.gamma) for p in both]
        k = 1 if costs[1] < costs[0] else 0
        return Choice(self.name, both[k], costs[k], self.gamma, land)

    def choose(self, hist) -> Choice:
        return self.choose_many([hist])[0]

    def choose_many(self, hists) -> list[Choice]:
        """:meth:`choose` for many histograms at once (one vectorised search; much faster)."""
        out: list[Choice | None] = [None] * len(hists)
        todo = []
        for i, h in enumerate(hists):
            if h.empty or not max(h.max, 0.0) > min(h.min, 0.0):
                params = safe_nudge(*DEGENERATE_RANGE)
                out[i] = Choice(self.name, params, cost_of(h, params, self.gamma) if not h.empty else 0.0, self.gamma)
            else:
                todo.append(i)
        by_bins: dict[int, list[int]] = {}
        for i in todo:
            by_bins.setdefault(hists[i].bins, []).append(i)
        for idx in by_bins.values():
            if len(idx) == 1:
                out[idx[0]] = self._choose_one(hists[idx[0]])
                continue
            group = [hists[i] for i in idx]
            lands, m = self._search(group)
            chosen = [safe_nudge(land.mins[land.best], land.maxs[land.best]) for land in lands]
            minmax = [safe_nudge(h.min, h.max) for h in group]     # never worse than min/max, by construction
            both = chosen + minmax

            n = len(group)

            def arr(attr, both=both, n=n):
                return np.array([getattr(p, attr) for p in both]).reshape(2, n, 1)

            costs = m.cost(arr("min"), arr("max"), arr("scale"), self.gamma)[..., 0]
            for t, i in enumerate(idx):
                k = 1 if costs[1, t] < costs[0, t] else 0
                out[i] = Choice(self.name, both[k * len(group) + t], float(costs[k, t]), self.gamma, lands[t])
        return out


class _Stacked:
    """Prefix sums of several histograms (same bin count) for one vectorised evaluation.

    Each histogram's axis is mapped to bin units ``u = (x - lo) / width`` and shifted
    by ``row * (bins + 3)`` so a single ``searchsorted`` serves every row.
    """

    def __init__(self, hists):
        n = hists[0].bins
        self.n = n
        T = len(hists)
        self.lo = np.array([h.lo for h in hists])[:, None]
        self.w = np.array([h.width for h in hists])[:, None]
        umin = (np.array([h.min for h in hists])[:, None] - self.lo) / self.w
        umax = (np.array([h.max for h in hists])[:, None] - self.lo) / self.w
        k = np.arange(n, dtype=np.float64)[None, :] + 0.5
        u = np.clip(k, umin, umax)                                   # centres, clamped to min/max seen
        centers = self.lo + u * self.w
        counts = np.stack([h.counts for h in hists])
        zero = np.zeros((T, 1))
        self.c0 = np.concatenate([zero, np.cumsum(counts, 1)], 1)
        self.c1 = np.concatenate([zero, np.cumsum(counts * centers, 1)], 1)
        self.c2 = np.concatenate([zero, np.cumsum(counts * centers ** 2, 1)], 1)
        self.total = np.maximum(self.c0[:, -1:], 1.0)
        self.umin, self.umax = umin, umax
        self.base = (np.arange(T) * (n + 1))[:, None]
        self.c0f, self.c1f, self.c2f = self.c0.ravel(), self.c1.ravel(), self.c2.ravel()

    def _count_below(self, x, side):
        """Per row: number of (clamped) centres < x (side='left') or <= x (side='right').

        Clamping to [umin, umax] is monotone, so inside (umin, umax) the count is the
        count of the uniform centres k + 0.5; outside it is 0 or all.
        """
        q = (x - self.lo) / self.w
        if side == "left":
            k = np.ceil(q - 0.5)
            k = np.where(q <= self.umin, 0.0, np.where(q > self.umax, self.n, k))
        else:
            k = np.floor(q - 0.5) + 1.0
            k = np.where(q < self.umin, 0.0, np.where(q >= self.umax, self.n, k))
        return np.clip(k, 0, self.n).astype(np.int64)

    def cost(self, a, b, step, gamma):
        i = self._count_below(a, "left") + self.base
        j = self._count_below(b, "right") + self.base
        end = self.base + self.n
        c0, c1, c2 = self.c0f, self.c1f, self.c2f
        left = a * a * c0[i] - 2.0 * a * c1[i] + c2[i]
        right = b * b * (c0[end] - c0[j]) - 2.0 * b * (c1[end] - c1[j]) + (c2[end] - c2[j])
        inside = c0[j] - c0[i]
        e_sat = np.maximum(left, 0.0) + np.maximum(right, 0.0)
        return (inside * step * step / 12.0 + gamma * e_sat) / self.total
