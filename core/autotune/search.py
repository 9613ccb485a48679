"""The search: sensitivity-ordered phases of kernel moves, each plan judged on the held-out split
through the simulated int8 model (:class:`core.simulate.live.LiveSet`: an edit re-runs only the
network from the layer it touches).

Like AIMET's AMP, the layers are visited in the order of their measured sensitivity (the top-1 drop
when only that layer is quantized, :func:`core.sensitivity.sensitivity`); a drop inside the
binomial noise band of the held-out split (95 %, :func:`noise_band_pp`) is not told apart from
zero, so those layers come after the ones that measurably hurt. Phase 1 tries the free moves
(clips) of each layer and keeps the best if it wins images; phase 2, only when the target is still
missed and the hardware takes per-channel weights, tries per-channel layer by layer; phase 3 gives
back every per-channel layer the plan can do without (least cost). The search stops as soon as the
target is met (phase 1 and 2) or ``max_evals`` plans were scored. A cancel (Ctrl-C) ends it with
the best plan found so far.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from ..plan.weight_entry import WeightEntry, WeightPlan, WeightState
from ..progress import NULL_PROGRESS, Cancelled
from .moves import Move, extra_bytes, layer_moves


def noise_band_pp(top1: float, n: int, z: float = 1.96) -> float:
    """Half-width (percentage points) of the 95 % binomial band of a top-1 measured on ``n`` images."""
    return 100.0 * z * math.sqrt(max(top1 * (1 - top1), 0.0) / n) if n else float("inf")


@dataclass
class LayerOrder:
    layer: str
    drop_pp: float               # sensitivity: top-1 drop with only this layer quantized
    significant: bool            # above the noise band

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def sensitivity_order(rows, weighted: set, band_pp: float) -> list[LayerOrder]:
    """The weighted layers of ``rows`` (core.sensitivity.Sensitivity), those above the noise band first,
    each group by drop, largest first."""
    out = [LayerOrder(r.name, float(r.drop_pp), bool(r.drop_pp > band_pp)) for r in rows if r.name in weighted]
    return sorted(out, key=lambda o: (not o.significant, -o.drop_pp))


@dataclass
class Point:
    """One plan the search scored: its kernel states, held-out top-1 and cost."""

    index: int
    states: dict                 # layer -> WeightState
    top1: float
    drop_pp: float
    extra_bytes: int
    changes: list                # Move.to_dict() of every move from the start
    phase: str

    def to_dict(self) -> dict:
        return {"index": self.index, "top1": self.top1, "drop_pp": round(self.drop_pp, 4),
                "extra_bytes": self.extra_bytes, "changes": list(self.changes), "phase": self.phase}


@dataclass
class SearchResult:
    start: Point
    best: Point
    points: list = field(default_factory=list)
    order: list = field(default_factory=list)
    met: bool = False
    cancelled: bool = False
    stopped: str = ""            # why the search ended
    seconds: float = 0.0


class Search:
    """The state of one search; :meth:`run` returns a :class:`SearchResult`."""

    def __init__(self, live, kinds: dict, stats: dict, start: dict, float_top1: float, options,
                 progress=NULL_PROGRESS, precisions: dict | None = None):
        self.live, self.kinds, self.stats, self.options = live, kinds, stats, options
        self.precisions = dict(precisions or {})   # the session's ops away from int8: kept as they are
        self.float_top1, self.progress = float_top1, progress
        self.start_states = dict(start)
        self.points: list[Point] = []
        self.evals = 0
        self.total = options.max_evals
        self.t0 = time.perf_counter()

    # ---- scoring ---------------------------------------------------------------
    def cost(self, states: dict) -> int:
        return sum(extra_bytes(s, self.stats[layer]) for layer, s in states.items())

    def meets(self, p: Point) -> bool:
        return p.drop_pp <= self.options.max_drop_pp + 1e-9

    def better(self, a: Point, b: Point | None) -> bool:
        """``a`` is a better answer than ``b``: meeting the target at less cost, else more top-1."""
        if b is None:
            return True
        if self.meets(a) != self.meets(b):
            return self.meets(a)
        if self.meets(a):
            return (a.extra_bytes, -a.top1) < (b.extra_bytes, -b.top1)
        return (-a.top1, a.extra_bytes) < (-b.top1, b.extra_bytes)

    def score(self, states: dict, changes: list, phase: str, what: str) -> Point:
        plan = WeightPlan({layer: WeightEntry(layer, self.kinds[layer], s) for layer, s in states.items()},
                          dict(self.precisions))
        self.progress.update(self.evals, self.total, what)
        fig = self.live.edit_kernels(plan)
        self.evals += 1
        p = Point(len(self.points), dict(states), float(fig.top1), (self.float_top1 - fig.top1) * 100.0,
                  self.cost(states), list(changes), phase)
        self.points.append(p)
        if self.better(p, self.best):
            self.best = p
        self.progress.update(self.evals, self.total, f"{what}: drop {p.drop_pp:.2f} pp "
                             f"(best {self.best.drop_pp:.2f} pp, target {self.options.max_drop_pp:g})")
        return p

    def budget_left(self) -> bool:
        return self.evals < self.options.max_evals

    # ---- phases ----------------------------------------------------------------
    def _try_layer(self, current: Point, moves: list[Move], phase: str) -> Point:
        """Score every move of one layer on top of ``current``; the best that wins images, else ``current``."""
        best = current
        for mv in moves:
            if not self.budget_left():
                break
            states = dict(current.states)
            states[mv.layer] = mv.state
            p = self.score(states, current.changes + [mv.to_dict()], phase, f"{mv.layer}: {mv.label}")
            if p.top1 > best.top1:
                best = p
        return best

    def _phase(self, current: Point, order: list[LayerOrder], kind: str) -> Point:
        for o in order:
            if self.meets(current) or not self.budget_left():
                break
            per_channel_ok = kind == "per-channel" and self.options.may_go_per_channel
            allow = ("clip",) if kind == "clip" else ()
            moves = [m for m in layer_moves(o.layer, self.stats[o.layer], current.states[o.layer], allow,
                                            per_channel_ok) if m.kind == kind]
            current = self._try_layer(current, moves, kind)
        return current

    def _give_back(self, current: Point) -> Point:
        """Phase 3: per-channel layers back to per-tensor, one at a time, while the target holds."""
        for layer, s in list(current.states.items()):
            if not self.budget_left():
                break
            if s.granularity != "per-channel" or self.start_states[layer].granularity == "per-channel":
                continue
            states = dict(current.states)
            states[layer] = self.start_states[layer]
            changes = [c for c in current.changes if c["layer"] != layer]
            p = self.score(states, changes, "give-back", f"{layer}: back to per-tensor")
            if self.meets(p):
                current = p
        return current

    def run(self, order: list[LayerOrder]) -> SearchResult:
        self.best = None
        start = self.score(self.start_states, [], "start", "the plan as it is")   # a cancel here: nothing to keep
        result = SearchResult(start, start, order=order)
        try:
            current = start
            if "clip" in self.options.allow:
                current = self._phase(current, order, "clip")
            if not self.meets(current) and self.options.may_go_per_channel:
                current = self._phase(current, order, "per-channel")
                if self.meets(current):
                    self._give_back(current)
            result.stopped = ("target met" if self.meets(self.best) else
                              "--max-evals reached" if not self.budget_left() else "no move left")
        except Cancelled:
            result.cancelled, result.stopped = True, "cancelled"
        result.best, result.points = self.best, self.points
        result.met = self.meets(self.best)
        result.seconds = time.perf_counter() - self.t0
        return result


def changed_states(start: dict, states: dict) -> dict:
    """The layers whose state differs from the start."""
    return {layer: s for layer, s in states.items() if start.get(layer) != s}


__all__ = ["Search", "SearchResult", "Point", "LayerOrder", "sensitivity_order", "noise_band_pp", "changed_states",
           "WeightState"]
