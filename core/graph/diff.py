"""Two sessions' graphs compared node by node (compare mode's Graph tab): the difference A - B of a
metric per tensor, coloured on a diverging scale centred on 0 (equal = neutral).

Nodes are matched by tensor name. A tensor in one plan only has no difference (the GUI hatches it);
a tensor without a value on either side (an empty histogram, no result) has none either. The scale
is symmetric, -span..+span with span the largest finite |A - B| (an infinite difference, e.g. one
side's SQNR is infinite, takes the end colour and does not set the span).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

from .metrics import _rgb, metric_values

# PuOr: orange where B's value is higher, purple where A's is; the centre is the neutral colour
DIVERGING = [(0.0, "#b35806"), (0.25, "#f1a340"), (0.5, "#f7f7f7"), (0.75, "#998ec3"), (1.0, "#542788")]
NEUTRAL = DIVERGING[2][1]


@dataclass
class Difference:
    metric: str
    a: dict[str, float | None]            # A's values (A's tensors)
    b: dict[str, float | None]            # B's values (B's tensors)
    diff: dict[str, float | None]         # A - B for tensors in both (None: a value missing on a side)
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    span: float = 1.0

    def fraction(self, name: str) -> float | None:
        """Where ``name``'s A - B sits on the scale: 0 = -span (B higher), 0.5 = equal, 1 = +span; None: none."""
        d = self.diff.get(name)
        if d is None or math.isnan(d):
            return None
        if math.isinf(d):
            return 1.0 if d > 0 else 0.0
        return min(max(0.5 + 0.5 * d / self.span, 0.0), 1.0)

    def colour(self, name: str) -> str | None:
        """CSS colour of ``name``'s difference; None where it has none (one model only, or no value)."""
        f = self.fraction(name)
        return None if f is None else diverging_colour(f)


def _minus(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    if math.isinf(a) and math.isinf(b) and (a > 0) == (b > 0):
        return 0.0
    return a - b


def difference(metric: str, plan_a, plan_b, results_a: dict | None = None, results_b: dict | None = None) -> Difference:
    """``metric`` on both plans and A - B for the tensors they share (by name)."""
    va = metric_values(metric, plan_a, results_a)
    vb = metric_values(metric, plan_b, results_b)
    diff = {n: _minus(va[n], vb[n]) for n in va if n in vb}
    finite = [abs(d) for d in diff.values() if d is not None and math.isfinite(d)]
    span = max(finite) if finite and max(finite) > 0 else 1.0
    return Difference(metric, va, vb, diff, [n for n in va if n not in vb], [n for n in vb if n not in va], span)


def diverging_colour(fraction: float) -> str:
    """The CSS colour of 0..1 on :data:`DIVERGING` (0.5 = :data:`NEUTRAL`)."""
    # 8-bit colours: 1/4096 steps are finer than a colour step; cached, a recolour of both sides is a lookup
    return _diverging(round(min(max(fraction, 0.0), 1.0) * 4096))


@functools.lru_cache(maxsize=4097)
def _diverging(step: int) -> str:
    fraction = step / 4096
    for (f0, c0), (f1, c1) in zip(DIVERGING, DIVERGING[1:], strict=False):
        if fraction <= f1:
            t = (fraction - f0) / (f1 - f0)
            a, b = _rgb(c0), _rgb(c1)
            return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))
    return DIVERGING[-1][1]
