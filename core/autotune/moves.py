"""The candidate edits of one layer's kernel entry, each with its cost.

A *clip* keeps the kernel's granularity and lowers its clip: the weight choosers'
(:mod:`core.plan.weight_choosers`: ``output-mse`` weighs every channel by its output variance, so a
channel whose output never varies costs nothing to clip; ``mse``, ``percentile``) and the clip a
user drags to in the weight view, the widest kernel among the channels whose output varies. It
costs nothing: the same bytes and the same kernels run. *per-channel* stores one scale per output
channel: TFLite keeps a float32 scale and an int64 zero point per channel, 12 bytes each beyond
the one a per-tensor kernel has (:func:`extra_bytes`); the hardware must take it (``--weights any``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..plan.weight_choosers import choose_clip
from ..plan.weight_entry import KernelStats, WeightState

CLIP_METHODS = ("output-mse", "mse", "percentile")
USER_CLIP = "live-channels"
QUANT_PARAM_BYTES = 4 + 8        # float32 scale + int64 zero point, per channel, in a .tflite
LIVE_VARIANCE = 1e-6             # a channel whose output variance is below this x the widest is dead


@dataclass(frozen=True)
class Move:
    layer: str
    kind: str                    # "clip" or "per-channel"
    label: str                   # what the report says, e.g. "clip ±3.01 (output-mse)"
    state: WeightState

    def to_dict(self) -> dict:
        return {"layer": self.layer, "move": self.kind, "label": self.label, "granularity": self.state.granularity,
                "method": self.state.method, "clip": list(self.state.clip) if self.state.clip else None}


def channels_of(stats: KernelStats) -> int:
    return int(stats.channels.shape[1])


def extra_bytes(state: WeightState, stats: KernelStats) -> int:
    """Bytes a kernel entry adds over per-tensor quantization (its per-channel scales)."""
    if state.granularity == "per-channel" and stats.kind != "Dense":
        return QUANT_PARAM_BYTES * (channels_of(stats) - 1)
    return 0


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


def clip_moves(layer: str, stats: KernelStats, current: WeightState, granularity: str) -> list[Move]:
    """Clips of ``layer``'s kernel at ``granularity`` that differ from ``current`` (each distinct once)."""
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


def layer_moves(layer: str, stats: KernelStats, current: WeightState, allow: tuple, per_channel_ok: bool) -> list[Move]:
    """Every allowed move of ``layer`` from ``current``, cheapest first (clips cost nothing)."""
    gran = current.granularity or "per-tensor"
    out = clip_moves(layer, stats, current, gran) if "clip" in allow else []
    if per_channel_ok and gran == "per-tensor" and stats.kind != "Dense" and channels_of(stats) > 1:
        out.append(Move(layer, "per-channel", "per-channel weights", WeightState("per-channel", "minmax", None)))
    return out
