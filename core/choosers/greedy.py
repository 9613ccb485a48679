"""``greedy``: the seed's search over the quantizer's step Δ and offset.

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
for tests and benchmarks.
"""

from __future__ import annotations

import numpy as np

from ..quant.error import moments_of
from .base import Choice, Chooser, Landscape, DEGENERATE_RANGE, cost_of, safe_nudge

N_STEPS = 160
MIN_FRACTION = 1.0 / 256.0
_POLISH = 3           # neighbouring offsets checked after the bisection


def candidate_steps(hist, n_steps: int = N_STEPS, min_fraction: float = MIN_FRACTION) -> np.ndarray:
    lo, hi = min(hist.min, 0.0), max(hist.max, 0.0)
    if not hi > lo:
        lo, hi = DEGENERATE_RANGE
    step0 = (hi - lo) / 255.0
    return step0 * np.geomspace(min_fraction, 1.0, n_steps)


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

    def __init__(self, gamma: float = 1.0, n_steps: int = N_STEPS, **_):
        super().__init__(gamma)
        self.n_steps = int(n_steps)

    def search(self, hist) -> Landscape:
        """Best offset for every candidate step, vectorised over the steps."""
        m = moments_of(hist)
        steps = candidate_steps(hist, self.n_steps)
        g = self.gamma

        def cost(zp):
            a, b = _ends(zp, steps)
            return m.cost(a, b, steps, g)

        lo = np.full(len(steps), -128.0)
        hi = np.full(len(steps), 127.0)
        while np.any(lo < hi):                   # bisection on the slope, 8 rounds for 256 offsets
            mid = np.floor((lo + hi) / 2.0)
            active = lo < hi
            down = cost(mid + 1.0) < cost(mid)   # cost still falling: the minimum is to the right
            lo = np.where(active & down, mid + 1.0, lo)
            hi = np.where(active & ~down, mid, hi)
        best_zp, best_cost = lo, cost(lo)
        for d in range(-_POLISH, _POLISH + 1):
            if d == 0:
                continue
            zp = np.clip(lo + d, -128.0, 127.0)
            c = cost(zp)
            better = c < best_cost
            best_zp = np.where(better, zp, best_zp)
            best_cost = np.where(better, c, best_cost)
        mins, maxs = _ends(best_zp, steps)
        return Landscape(steps, mins, maxs, best_cost, g, int(np.argmin(best_cost)))

    def choose(self, hist) -> Choice:
        if hist.empty or not max(hist.max, 0.0) > min(hist.min, 0.0):
            params = safe_nudge(*DEGENERATE_RANGE)
            return Choice(self.name, params, cost_of(hist, params, self.gamma) if not hist.empty else 0.0, self.gamma)
        land = self.search(hist)
        params = safe_nudge(land.mins[land.best], land.maxs[land.best])
        cost = cost_of(hist, params, self.gamma)
        minmax = safe_nudge(hist.min, hist.max)        # never worse than min/max, by construction
        mm_cost = cost_of(hist, minmax, self.gamma)
        if mm_cost < cost:
            params, cost = minmax, mm_cost
        return Choice(self.name, params, cost, self.gamma, land)
