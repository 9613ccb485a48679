"""The Pareto front of the scored plans: no other plan has both more top-1 and less cost."""

from __future__ import annotations


def front(points: list, cost=lambda p: p.extra_bytes, top1=lambda p: p.top1) -> list:
    """The non-dominated ``points`` (higher ``top1``, lower ``cost``), cheapest first; of equal plans
    (same cost and top-1) the first scored."""
    out = []
    for p in sorted(points, key=lambda q: (cost(q), -top1(q))):
        if not out or top1(p) > top1(out[-1]):
            out.append(p)
    return out
