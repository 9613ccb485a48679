"""Weight entries of the plan: every kernel (Conv2D, DepthwiseConv2D, Dense) is ``LAYER/kernel``.

A kernel is stored as symmetric int8, zero point 0, narrow range ``[-127, 127]·s`` (TFLite
int8 spec, docs/int8-spec.md), one scale per tensor or per output channel. An entry holds

- ``granularity``: ``per-tensor``, ``per-channel`` or None (the export's ``--weights``);
- ``method``: ``minmax`` (``max|w|``, today's export), a weight chooser, or ``user``;
- ``clip``: the symmetric clip ``m`` (the range ``[-m, m]``), one value or one per channel;
  None means ``max|w|`` of the folded kernel, computed when it is exported, so an entry at
  its default exports bit-exactly what a plan without weight entries did.

:func:`weight_quant_params` is the one place where an entry becomes the ranges a kernel is
quantized with; the export, the verifier and a simulation all call it. No TensorFlow here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..quant.granularity import GRANULARITIES
from ..quant.weight_grid import MIN_WEIGHT_RANGE, WEIGHT_QMAX, stored_weight_scale
from ..quant.weight_grid import weight_ranges as max_abs
from .checks import PlanError

KERNEL = "/kernel"
DEFAULT_WEIGHT_METHOD = "minmax"
KINDS = {"CONV_2D": "Conv2D", "DEPTHWISE_CONV_2D": "DepthwiseConv2D", "FULLY_CONNECTED": "Dense"}


def kernel_name(layer: str) -> str:
    return layer + KERNEL


@dataclass(frozen=True)
class WeightState:
    """What a change saves and restores for one kernel entry."""

    granularity: str | None = None          # None: the export's --weights default
    method: str = DEFAULT_WEIGHT_METHOD
    clip: tuple[float, ...] | None = None   # symmetric clip(s); None: max|w| at export

    @property
    def is_default(self) -> bool:
        return self == WeightState()


@dataclass
class KernelStats:
    """A folded kernel as the export quantizes it, and what each output channel's values do.

    ``out_variance``: per channel, the variance of the layer's output over the training data
    (from the folded BatchNorm: ``gamma^2 var / (var + eps)``), None without BatchNorm. A
    channel whose output never varies (a dead BN channel: its input is constant) costs
    nothing to clip.
    """

    kind: str                    # Conv2D, DepthwiseConv2D or Dense
    kernel: np.ndarray           # folded, float32
    out_variance: np.ndarray | None = None

    @property
    def channels(self) -> np.ndarray:
        """The kernel as (values per channel, channels) on TFLite's quantized channel axis."""
        k = np.asarray(self.kernel, np.float32)
        if self.kind == "DepthwiseConv2D":       # (kh, kw, C, mult): channel = C
            k = np.moveaxis(k, 2, -1)
        return k.reshape(-1, k.shape[-1])

    def abs_max(self, granularity: str) -> np.ndarray:
        return max_abs(self.kind, self.kernel, granularity)


def effective_granularity(kind: str, granularity: str) -> str:
    return "per-tensor" if kind == "Dense" else granularity


@dataclass
class WeightEntry:
    """One kernel of the plan. Read-only for callers: edit through the plan."""

    layer: str
    kind: str                    # Conv2D, DepthwiseConv2D or Dense
    state: WeightState

    @property
    def name(self) -> str:
        return kernel_name(self.layer)

    @property
    def granularity(self) -> str | None:
        return self.state.granularity

    @property
    def method(self) -> str:
        return self.state.method

    @property
    def clip(self) -> tuple[float, ...] | None:
        return self.state.clip

    def ranges(self, kernel: np.ndarray, default_granularity: str) -> np.ndarray:
        """The clip ``m`` per channel (or one) the kernel is quantized with, float32."""
        gran = effective_granularity(self.kind, self.granularity or default_granularity)
        if self.clip is None:
            return max_abs(self.kind, kernel, gran)
        m = np.maximum(np.asarray(self.clip, np.float32), np.float32(MIN_WEIGHT_RANGE)).astype(np.float32)
        n = len(max_abs(self.kind, kernel, gran))
        if len(m) != n:
            raise PlanError(f"{self.name}: the plan holds {len(m)} clip value(s) but the kernel has {n} "
                            f"{'channels' if n > 1 else 'range'} ({gran}); the session is not this model's")
        return m


@dataclass
class WeightPlan:
    """The kernel entries of a plan alone, copied (plain data: a GUI job sends it to the engine process);
    anything with ``.weights`` is what :func:`weight_quant_params` and the export take."""

    weights: dict[str, WeightEntry]
    precisions: dict[str, str] = field(default_factory=dict)   # ops away from int8 (core/plan/precision.py)

    @classmethod
    def of(cls, plan) -> WeightPlan:
        return cls({k: WeightEntry(e.layer, e.kind, e.state) for k, e in plan.weights.items()},
                   dict(getattr(plan, "precisions", {})))


def weight_quant_params(plan, layer: str, kind: str, kernel: np.ndarray, default_granularity: str = "per-channel"):
    """``(granularity, m, scales)`` for ``layer``'s folded ``kernel`` (a Keras ``kind``: Conv2D,
    DepthwiseConv2D, Dense) under ``plan``: the symmetric clip(s) ``m`` (float32, one or one per
    channel) to fake-quantize on ``[-m, m]`` with ``narrow_range=True``, and the scales TFLite
    stores for them. Without a plan (or an entry for the layer): max|w| with
    ``default_granularity``, the export before weight entries."""
    entry = plan.weights.get(layer) if plan is not None else None
    if entry is None:
        gran = effective_granularity(kind, default_granularity)
        m = max_abs(kind, kernel, gran)
    else:
        gran = effective_granularity(entry.kind, entry.granularity or default_granularity)
        m = entry.ranges(kernel, default_granularity)
    if len(m) == 1:
        gran = "per-tensor"
    return gran, m, stored_weight_scale(m)


def fake_quant_kernel(stats: KernelStats, m) -> np.ndarray:
    """``stats.kernel`` on the channel axis, quantized with clip(s) ``m`` as the int8 model computes it."""
    w = stats.channels.astype(np.float64)
    s = stored_weight_scale(m).astype(np.float64)
    return np.clip(np.round(w / s), -WEIGHT_QMAX, WEIGHT_QMAX) * s


def weight_error(stats: KernelStats, m) -> dict:
    """SQNR (dB) of the quantized kernel, channels erased (all weights round to 0), clipped fraction."""
    w = stats.channels.astype(np.float64)
    q = fake_quant_kernel(stats, m)
    noise = float(np.sum((w - q) ** 2))
    signal = float(np.sum(w ** 2))
    sqnr = float("inf") if noise == 0 else (10 * np.log10(signal / noise) if signal > 0 else float("-inf"))
    live = np.any(w != 0, axis=0)
    erased = int(np.sum(live & np.all(q == 0, axis=0)))
    clipped = float(np.mean(np.abs(w) > np.broadcast_to(np.asarray(m, np.float64), w.shape[-1:])))
    out = {"sqnr_db": sqnr, "erased": erased, "channels": int(w.shape[1]), "clipped_fraction": clipped,
           "output_sqnr_db": None}
    if stats.out_variance is not None:   # each channel's relative error weighted by its output variance
        norm = np.sum(w ** 2, axis=0)
        rel = np.divide(np.sum((w - q) ** 2, axis=0), norm, out=np.zeros_like(norm), where=norm > 0)
        v = np.asarray(stats.out_variance, np.float64)
        noise_out = float(np.sum(v * rel))
        out["output_sqnr_db"] = float("inf") if noise_out == 0 else float(10 * np.log10(np.sum(v) / noise_out))
    return out


def check_granularity(name: str, kind: str, granularity: str) -> str:
    if granularity not in GRANULARITIES:
        raise PlanError(f"{name}: granularity must be one of {', '.join(GRANULARITIES)}, got {granularity!r}")
    if kind == "Dense" and granularity == "per-channel":
        raise PlanError(f"{name}: a Dense kernel (FULLY_CONNECTED) is always quantized per tensor")
    return granularity


def checked_weight_state(entry: WeightEntry, row: dict) -> WeightState:
    """A saved kernel entry's state; anything a hand edit could break is refused, naming the entry."""
    import math

    from .weight_choosers import WEIGHT_METHODS

    name = entry.name
    gran, method, clip = row.get("granularity"), row.get("method"), row.get("clip")
    if gran is not None:
        check_granularity(name, entry.kind, gran)
    if method not in WEIGHT_METHODS and method != "user":
        raise PlanError(f"kernel {name}: unknown weight method {method!r}")
    if clip is not None:
        if not isinstance(clip, list) or not clip or any(
                isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0
                for v in clip):
            raise PlanError(f"kernel {name}: clip {clip!r} must be a list of positive finite numbers")
        if gran is None:
            raise PlanError(f"kernel {name}: a clip needs its granularity (per-tensor or per-channel)")
        if gran == "per-tensor" and len(clip) != 1:
            raise PlanError(f"kernel {name}: a per-tensor entry has one clip, not {len(clip)}")
        clip = tuple(float(v) for v in clip)
    elif method == "user":
        raise PlanError(f"kernel {name}: a user entry needs its clip")
    return WeightState(gran, method, clip)
