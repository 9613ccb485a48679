"""The candidate edits of one layer, each with its cost; one generator function per kind of move.

A *clip* keeps the kernel's granularity and lowers its clip: the weight choosers'
(:mod:`core.plan.weight_choosers`: ``output-mse`` weighs every channel by its output variance, so a
channel whose output never varies costs nothing to clip; ``mse``, ``percentile``) and the clip a
user drags to in the weight view, the widest kernel among the channels whose output varies. It
costs nothing: the same bytes and the same kernels run. *per-channel* stores one scale per output
channel: TFLite keeps a float32 scale and an int64 zero point per channel, 12 bytes each beyond
the one a per-tensor kernel has (:func:`extra_bytes`); the hardware must take it (``--weights any``).
*float* computes the op in float32 (``set-precision LAYER float``, :mod:`core.plan.precision`): its
kernel and the kernels of the ops reading its output (they compute in float too,
:func:`core.plan.precision.float_region`) are stored as float32, 3 bytes per weight more than int8
(:func:`float_bytes`), and the op runs a float kernel between a DEQUANTIZE and a QUANTIZE (its
latency is measured on the exported Pareto plans). *int16* computes the op's activations in TFLite's
16x8 scheme (``set-precision LAYER int16``, exported through ai-edge-quantizer) together with its
readers that can be 16x8: a lone 16x8 op's output is re-quantized to int8 for an int8 reader, which
gives back what the 16 bits won, so the move sets the pair (the op and the readers it feeds). Its
cost in bytes is *measured*: the verified export of the starting plan with that move made, against
the starting plan's (:class:`core.autotune.exportable.Exportable`), a bigger int64 bias per channel
and the QUANTIZE ops at the 16-bit region's borders.

A new kind of move is one generator ``(layer, ctx) -> [Move]`` added to :data:`GENERATORS`; a move
records what it sets (a kernel state, an op precision), and :meth:`Move.apply` is the only place
that turns it into a plan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..plan.precision import float_region
from ..plan.weight_choosers import choose_clip
from ..plan.weight_entry import KernelStats, WeightPlan, WeightState

CLIP_METHODS = ("output-mse", "mse", "percentile")
USER_CLIP = "live-channels"
QUANT_PARAM_BYTES = 4 + 8        # float32 scale + int64 zero point, per channel, in a .tflite
FLOAT_EXTRA_PER_WEIGHT = 3       # a float32 weight instead of an int8 one
LIVE_VARIANCE = 1e-6             # a channel whose output variance is below this x the widest is dead


@dataclass(frozen=True)
class Move:
    layer: str
    kind: str                    # a key of GENERATORS: "clip", "per-channel", "float"
    label: str                   # what the report says, e.g. "clip ±3.01 (output-mse)"
    state: WeightState | None = None     # the kernel state it sets (clip, per-channel)
    precision: str | None = None         # the op precision it sets (float, int16)
    also: tuple = ()                     # further ops set to the same precision (an int16 op's readers)

    def apply(self, states: dict, precisions: dict) -> tuple[dict, dict]:
        """Copies of a plan's (layer -> WeightState, layer -> precision away from int8) with this move made."""
        states, precisions = dict(states), dict(precisions)
        if self.state is not None:
            states[self.layer] = self.state
        if self.precision is not None:
            for layer in (self.layer, *self.also):
                if self.precision == "int8":
                    precisions.pop(layer, None)
                else:
                    precisions[layer] = self.precision
        return states, precisions

    def to_dict(self) -> dict:
        s = self.state
        return {"layer": self.layer, "move": self.kind, "label": self.label,
                "granularity": s.granularity if s else None, "method": s.method if s else None,
                "clip": list(s.clip) if s and s.clip else None, "precision": self.precision or "int8",
                "also": list(self.also)}


@dataclass
class MoveContext:
    """What the generators read: kernel statistics of every weighted layer, the plan's tensors (for the
    float region), the layers that may be float (``set-precision`` accepts them), the hardware's limits."""

    stats: dict                  # layer -> KernelStats
    tensors: list
    floatable: set
    per_channel_ok: bool
    int16able: object = frozenset()   # set-like: layers whose int16 move exports verified (.also, .extra_bytes)


def channels_of(stats: KernelStats) -> int:
    return int(stats.channels.shape[1])


def extra_bytes(state: WeightState, stats: KernelStats) -> int:
    """Bytes a kernel entry adds over per-tensor quantization (its per-channel scales)."""
    if state.granularity == "per-channel" and stats.kind != "Dense":
        return QUANT_PARAM_BYTES * (channels_of(stats) - 1)
    return 0


def float_bytes(layers, stats: dict) -> int:
    """Bytes float32 kernels add over int8 ones for the weighted ``layers`` (a float region)."""
    return sum(FLOAT_EXTRA_PER_WEIGHT * int(np.asarray(stats[layer].kernel).size) for layer in layers if layer in stats)


def plan_cost(states: dict, precisions: dict, ctx: MoveContext) -> int:
    """Bytes a plan adds over every kernel int8 per tensor: per-channel scales of the int8 kernels and
    float32 kernels of the float region."""
    region = float_region(ctx.tensors, WeightPlan({}, dict(precisions))) if precisions else set()
    int8 = sum(extra_bytes(s, ctx.stats[layer]) for layer, s in states.items() if layer not in region)
    return int8 + float_bytes(region, ctx.stats) + int16_bytes(precisions, region, ctx)


def int16_bytes(precisions: dict, region: set, ctx: MoveContext) -> int:
    """Bytes the int16 moves in ``precisions`` add: the sum of each move's bytes measured on its own verified
    export (against the starting plan's; a reader set int16 with its op is counted in its op's move). The
    first 16x8 op also switches the export to ai-edge-quantizer, so the sum over-counts a plan of several
    moves; the confirmed plan and the front's plans are exported and their bytes measured."""
    measured = getattr(ctx.int16able, "extra_bytes", {})
    also = getattr(ctx.int16able, "also", {})
    ops = {layer for layer, p in precisions.items() if p == "int16" and layer not in region}
    heads = {layer for layer in ops if layer in measured}
    readers = {r for layer in heads for r in also.get(layer, ()) if r != layer}
    return sum(int(measured[layer]) for layer in heads - readers)


def live_channels_clip(stats: KernelStats) -> float | None:
    """The widest max|w| among the channels whose output varies (None without BatchNorm statistics or when
    every channel varies): the per-tensor clip a user drags to when dead channels carry the outliers."""
    if stats.out_variance is None:
        return None
    v = np.asarray(stats.out_variance, np.float64)
    live = v > LIVE_VARIANCE * max(float(v.max()), 1e-30)
    if live.all() or not live.any():
        return None
    return float(np.float32(np.abs(stats.channels[:, live]).max()))


def _clip_text(clip) -> str:
    return f"±{clip[0]:.4g}" if len(clip) == 1 else f"{len(clip)} channel clips"


# ---- one generator per kind of move: (layer, current kernel state, ctx) -> [Move] ------------------------

def clip_moves(layer: str, current: WeightState, ctx: MoveContext) -> list[Move]:
    """Clips of ``layer``'s kernel at its current granularity that differ from ``current`` (each distinct once)."""
    stats = ctx.stats[layer]
    granularity = current.granularity or "per-tensor"
    seen = {current.clip}
    out = []

    def add(state: WeightState, why: str):
        if state.clip in seen:
            return
        seen.add(state.clip)
        out.append(Move(layer, "clip", f"clip {_clip_text(state.clip)} ({why})", state))

    if granularity == "per-tensor" or stats.kind == "Dense":
        m = live_channels_clip(stats)
        if m is not None:
            add(WeightState("per-tensor", "user", (m,)), "widest live channel")
    for method in CLIP_METHODS:
        add(WeightState(granularity if stats.kind != "Dense" else "per-tensor", method,
                        choose_clip(method, stats, granularity)), method)
    return out


def per_channel_moves(layer: str, current: WeightState, ctx: MoveContext) -> list[Move]:
    """Per-channel weights (max|w| per channel), where the hardware takes them and the kernel has channels."""
    stats = ctx.stats[layer]
    if (not ctx.per_channel_ok or (current.granularity or "per-tensor") != "per-tensor" or stats.kind == "Dense"
            or channels_of(stats) < 2):
        return []
    return [Move(layer, "per-channel", "per-channel weights", WeightState("per-channel", "minmax", None))]


def float_moves(layer: str, current: WeightState, ctx: MoveContext) -> list[Move]:
    """The op computed in float (set-precision accepts it: not tied, locked or producing the output)."""
    if layer not in ctx.floatable:
        return []
    readers = [t.name for t in ctx.tensors if layer in t.inputs]
    also = f"; {', '.join(readers)} read(s) it in float" if readers else ""
    return [Move(layer, "float", f"float op{also}", precision="float")]


def int16_moves(layer: str, current: WeightState, ctx: MoveContext) -> list[Move]:
    """The op and the readers it feeds (where they can be) with 16x8 activations, when that exports verified."""
    if layer not in ctx.int16able:
        return []
    also = tuple(ctx.int16able.also.get(layer, ()))
    with_ = f" with {', '.join(also)}" if also else ""
    return [Move(layer, "int16", f"int16 activations (16x8){with_}", precision="int16", also=also)]


GENERATORS = {"clip": clip_moves, "per-channel": per_channel_moves, "float": float_moves, "int16": int16_moves}


def layer_moves(layer: str, current: WeightState, ctx: MoveContext, kinds) -> list[Move]:
    """Every move of ``kinds`` for ``layer`` from ``current``, in the order of ``kinds``."""
    return [m for kind in kinds for m in GENERATORS[kind](layer, current, ctx)]
