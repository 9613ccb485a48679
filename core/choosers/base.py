"""What every range chooser shares: the interface and the result type.

A chooser takes a tensor's statistics (a :class:`core.calib.histogram.Histogram`)
and returns a :class:`Choice`: the range, already nudged to the int8 grid exactly
as TFLite will store it, and its cost (mean ``E_round + γ·E_sat`` per value, see
:mod:`core.quant.error`; with γ = 1 this is the MSE).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..quant.error import moments_of
from ..quant.grid import QuantParams, nudge

# a tensor whose every value is 0 gets this range (any range quantizes it exactly)
DEGENERATE_RANGE = (0.0, 0.01)


@dataclass(frozen=True)
class Landscape:
    """Cost against candidate ranges, for plotting: one point per candidate step Δ,
    each at the best offset found for that step."""

    steps: np.ndarray     # Δ of each candidate, ascending
    mins: np.ndarray      # range of the best offset for that Δ
    maxs: np.ndarray
    costs: np.ndarray     # mean E_round + γ·E_sat
    gamma: float
    best: int             # index of the chosen candidate

    def to_dict(self) -> dict:
        return {"steps": self.steps.tolist(), "mins": self.mins.tolist(), "maxs": self.maxs.tolist(),
                "costs": self.costs.tolist(), "gamma": self.gamma, "best": self.best}


@dataclass(frozen=True)
class Choice:
    method: str                       # 'greedy', 'minmax', 'percentile', 'entropy', 'mse'
    params: QuantParams               # nudged: the range shown is the range exported
    cost: float                       # mean E_round + γ·E_sat of ``params`` on the statistics
    gamma: float = 1.0
    landscape: Landscape | None = None

    @property
    def min(self) -> float:
        return self.params.min

    @property
    def max(self) -> float:
        return self.params.max


CHOSEN_MIN_WIDTH = 1e-5
"""Narrowest range a chooser returns. The TFLite converter replaces any range of width
``MIN_WIDTH`` (1e-6) or less by one of its own, so the exported file would not carry the
plan's range (the verifier refuses it); tensors this narrow (near-dead activations, e.g.
deep in an untrained network) are widened about their zero point instead."""


def safe_nudge(lo: float, hi: float) -> QuantParams:
    """Nudge a chosen range; a degenerate (zero-width) range becomes :data:`DEGENERATE_RANGE`,
    one narrower than :data:`CHOSEN_MIN_WIDTH` is widened to it keeping its zero point."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo <= 0.0:
        lo, hi = DEGENERATE_RANGE
    elif hi - lo < CHOSEN_MIN_WIDTH:
        grow = CHOSEN_MIN_WIDTH / (hi - lo)
        lo, hi = lo * grow, hi * grow
    return nudge(lo, hi)


def cost_of(hist, params: QuantParams, gamma: float = 1.0) -> float:
    return float(moments_of(hist).cost(params.min, params.max, params.scale, gamma))


class Chooser:
    """Statistics in, :class:`Choice` out. Subclasses set ``name`` (the method's name in sessions
    and on the command line), ``description`` (one line for users) and implement ``_range``."""

    name = ""
    description = ""

    def __init__(self, gamma: float = 1.0):
        if not (math.isfinite(gamma) and gamma > 0):
            raise ValueError(f"gamma must be a positive number, got {gamma}")
        self.gamma = float(gamma)

    def choose(self, hist) -> Choice:
        if hist.empty:
            params = safe_nudge(*DEGENERATE_RANGE)
            return Choice(self.name, params, 0.0, self.gamma)
        lo, hi = self._range(hist)
        params = safe_nudge(lo, hi)
        return Choice(self.name, params, cost_of(hist, params, self.gamma), self.gamma)

    def _range(self, hist) -> tuple[float, float]:
        raise NotImplementedError
