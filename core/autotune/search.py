"""The search: sensitivity-ordered phases of kernel moves, each plan judged on the held-out split
through the simulated int8 model (:class:`core.simulate.live.LiveSet`: an edit re-runs only the
network from the layer it touches).

Like AIMET's AMP, the layers are visited in the order of their measured sensitivity (the top-1 drop
when only that layer is quantized, :func:`core.sensitivity.sensitivity`); a drop inside the
binomial noise band of the held-out split (95 %, :func:`noise_band_pp`) is not told apart from
zero, so those layers come after the ones that measurably hurt. Phase 1 tries the free moves
(clips) of each layer and keeps the best if it wins images; phase 2, only when the target is still
missed and the hardware takes per-channel weights, tries per-channel layer by layer; phase 3, only
when still missed and ``--allow int16``, gives ops (with their readers) 16x8 activations; phase 4,
only when still missed and ``--allow float``, computes ops in float, layer by layer; the last phase
gives back every paid move (float op, int16 op, per-channel kernel) the plan can do without (least cost). The search
stops as soon as the target is met (phases 1-3) or ``max_evals`` plans were scored. A cancel (Ctrl-C)
ends it with the best plan found so far.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from ..plan.weight_entry import WeightEntry, WeightPlan, WeightState
from ..progress import NULL_PROGRESS, Cancelled
from .moves import Move, MoveContext, layer_moves, plan_cost


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
    """One plan the search scored: its kernel states, the ops it computes in float, held-out top-1 and cost."""

    index: int
    states: dict                 # layer -> WeightState
    top1: float
    drop_pp: float
    extra_bytes: int
    changes: list                # Move.to_dict() of every move from the start
    phase: str
    precisions: dict = field(default_factory=dict)   # layer -> precision away from int8 (the session's and the moves')

    @property
    def float_ops(self) -> list[str]:
        return sorted(layer for layer, p in self.precisions.items() if p == "float")

    def to_dict(self) -> dict:
        return {"index": self.index, "top1": self.top1, "drop_pp": round(self.drop_pp, 4),
                "extra_bytes": self.extra_bytes, "changes": list(self.changes), "phase": self.phase,
                "float_ops": self.float_ops}

    def plan_dict(self) -> dict:
        """The whole plan this point scored: every searched kernel's state and the ops away from int8
        (what loading the point into a session sets, :func:`core.autotune.apply.point_change`)."""
        return {"kernels": {layer: {"granularity": s.granularity, "method": s.method,
                                    "clip": list(s.clip) if s.clip else None} for layer, s in self.states.items()},
                "precision": dict(self.precisions)}


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


# the phases after the free clips, in order of cost; each runs only while the target is missed
PAID_PHASES = ("per-channel", "int16", "float")


class Search:
    """The state of one search; :meth:`run` returns a :class:`SearchResult`. ``scorer.edit_kernels(plan)``
    scores a :class:`WeightPlan` (kernel states and precisions) on the held-out split (:mod:`.scoring`);
    ``ctx`` is the moves' :class:`~.moves.MoveContext`."""

    def __init__(self, scorer, kinds: dict, ctx: MoveContext, start: dict, float_top1: float, options,
                 progress=NULL_PROGRESS, precisions: dict | None = None):
        self.live, self.kinds, self.ctx, self.options = scorer, kinds, ctx, options
        self.start_precisions = dict(precisions or {})   # the session's ops away from int8: kept as they are
        self.float_top1, self.progress = float_top1, progress
        self.start_states = dict(start)
        self.points: list[Point] = []
        self.evals = 0
        self.total = options.max_evals
        self.t0 = time.perf_counter()

    # ---- scoring ---------------------------------------------------------------
    def cost(self, states: dict, precisions: dict) -> int:
        return plan_cost(states, precisions, self.ctx)

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

    def score(self, states: dict, precisions: dict, changes: list, phase: str, what: str) -> Point:
        plan = WeightPlan({layer: WeightEntry(layer, self.kinds[layer], s) for layer, s in states.items()},
                          dict(precisions))
        self.progress.update(self.evals, self.total, what)
        fig = self.live.edit_kernels(plan)
        self.evals += 1
        p = Point(len(self.points), dict(states), float(fig.top1), (self.float_top1 - fig.top1) * 100.0,
                  self.cost(states, precisions), list(changes), phase, dict(precisions))
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
            states, precisions = mv.apply(current.states, current.precisions)
            p = self.score(states, precisions, current.changes + [mv.to_dict()], phase, f"{mv.layer}: {mv.label}")
            if p.top1 > best.top1:
                best = p
        return best

    def _phase(self, current: Point, order: list[LayerOrder], kind: str) -> Point:
        for o in order:
            if self.meets(current) or not self.budget_left():
                break
            if current.precisions.get(o.layer, "int8") != "int8":     # a float or int16 op: already moved
                continue
            moves = layer_moves(o.layer, current.states[o.layer], self.ctx, (kind,))
            current = self._try_layer(current, moves, kind)
        return current

    def _give_back(self, current: Point) -> Point:
        """Last phase: every paid move (float ops first, the dearest, then int16 ops, then per-channel
        kernels) undone, one layer at a time, while the target holds."""
        paid = [c for kind in ("float", "int16", "per-channel") for c in current.changes if c["move"] == kind]
        for c in paid:
            if not self.budget_left():
                break
            layer = c["layer"]
            states, precisions = dict(current.states), dict(current.precisions)
            if c["move"] in ("float", "int16"):
                for x in (layer, *c.get("also", ())):
                    if precisions.get(x) == c["move"] and x not in self.start_precisions:
                        precisions.pop(x, None)
                what = f"{layer}: back to int8"
            else:
                states[layer] = self.start_states[layer]
                what = f"{layer}: back to per-tensor"
            changes = [x for x in current.changes if not (x["layer"] == layer and x["move"] == c["move"])]
            p = self.score(states, precisions, changes, "give-back", what)
            if self.meets(p):
                current = p
        return current

    def _allowed(self, kind: str) -> bool:
        if kind == "per-channel":
            return self.options.may_go_per_channel
        return kind in self.options.allow

    def run(self, order: list[LayerOrder]) -> SearchResult:
        self.best = None
        start = self.score(self.start_states, self.start_precisions, [], "start", "the plan as it is")
        result = SearchResult(start, start, order=order)       # a cancel before this: nothing to keep
        try:
            current = start
            if "clip" in self.options.allow:
                current = self._phase(current, order, "clip")
            paid = False
            for kind in PAID_PHASES:
                if not self.meets(current) and self._allowed(kind):
                    current = self._phase(current, order, kind)
                    paid = True
            if paid and self.meets(current):
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
