"""Per-channel ranges of the folded kernels, and the channels per-tensor int8 weights erase.

This is the mechanism of Sheng et al. (arXiv 1803.08607, §3 and Fig. 2): after BatchNorm is
folded into a depthwise conv, each channel's kernel is scaled by ``s = gamma / sqrt(var + eps)``.
A channel whose BN variance is ~0 (its inputs are dead) gets ``s`` near ``1/sqrt(eps)`` and a
kernel far wider than the rest; one per-tensor int8 scale ``max|w| / 127`` then covers that
channel, and the ordinary channels fall below half a step: every weight rounds to 0.

Everything here is computed from the same folded kernels :mod:`core.export` quantizes
(``core.models.bn_fold.folded_weights``) with the same scale rule (symmetric, narrow range
[-127, 127], ``scale = max|w| / 127``, see ``core.quant.weight_grid.expected_weight_scales``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..quant.weight_grid import WEIGHT_QMAX  # symmetric narrow-range int8 weights (the export's rule)

DEAD_VARIANCE = 1e-6       # a BN channel with moving variance below this saw (almost) constant input


def per_tensor_step(kernel: np.ndarray) -> float:
    """The per-tensor int8 weight step TFLite stores for ``kernel``: ``max|w| / 127``."""
    return float(np.max(np.abs(kernel))) / WEIGHT_QMAX if np.size(kernel) else 0.0


@dataclass
class LayerWeights:
    """One conv/depthwise/dense layer's folded kernel, summarised per output channel."""

    layer: str
    kind: str                   # Conv2D, DepthwiseConv2D or Dense
    ch_min: np.ndarray          # per channel: smallest folded weight
    ch_max: np.ndarray          # per channel: largest folded weight
    bn_scale: np.ndarray | None  # per channel gamma / sqrt(var + eps) of the folded BN, None without BN
    bn_variance: np.ndarray | None

    @property
    def channels(self) -> int:
        return len(self.ch_max)

    @property
    def abs_max(self) -> np.ndarray:
        """Per-channel max|w| (what per-channel int8 scales are made of)."""
        return np.maximum(np.abs(self.ch_min), np.abs(self.ch_max))

    @property
    def tensor_range(self) -> tuple[float, float]:
        """The per-tensor int8 weight range ``[-max|w|, max|w|]``."""
        m = float(self.abs_max.max()) if self.channels else 0.0
        return -m, m

    @property
    def step(self) -> float:
        """The per-tensor int8 weight step ``max|w| / 127``."""
        return self.tensor_range[1] / WEIGHT_QMAX

    @property
    def collapsed(self) -> np.ndarray:
        """Channels whose every weight rounds to 0 under per-tensor weights (max|w| < step / 2)."""
        return self.abs_max < self.step / 2

    @property
    def levels(self) -> np.ndarray:
        """Per channel, how many int8 levels its largest weight reaches under per-tensor weights."""
        step = self.step
        return np.rint(self.abs_max / step).astype(int) if step > 0 else np.zeros(self.channels, int)

    @property
    def spread(self) -> float:
        """max / median of the per-channel max|w| (1 = all channels alike)."""
        a = self.abs_max
        med = float(np.median(a)) if len(a) else 0.0
        return float(a.max()) / med if med > 0 else float("inf") if len(a) and a.max() > 0 else 1.0

    @property
    def dead(self) -> np.ndarray:
        """Channels whose folded BN saw a (near) constant input: moving variance < DEAD_VARIANCE."""
        if self.bn_variance is None:
            return np.zeros(self.channels, bool)
        return self.bn_variance < DEAD_VARIANCE

    @property
    def max_bn_scale(self) -> float | None:
        return None if self.bn_scale is None else float(np.max(np.abs(self.bn_scale)))

    def summary(self) -> dict:
        """JSON-ready: the figures the mechanism table and the weight view report."""
        return {"layer": self.layer, "kind": self.kind, "channels": self.channels,
                "tensor_max": round(self.tensor_range[1], 6), "spread": round(self.spread, 3),
                "collapsed": int(self.collapsed.sum()), "dead": int(self.dead.sum()),
                "max_bn_scale": None if self.max_bn_scale is None else round(self.max_bn_scale, 3)}

    def to_dict(self) -> dict:
        """Arrays as lists (for the GUI's engine process pipe and JSON reports)."""
        return {"layer": self.layer, "kind": self.kind, "ch_min": self.ch_min.tolist(),
                "ch_max": self.ch_max.tolist(),
                "bn_scale": None if self.bn_scale is None else self.bn_scale.tolist(),
                "bn_variance": None if self.bn_variance is None else self.bn_variance.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> LayerWeights:
        arr = lambda v: None if v is None else np.asarray(v, np.float64)  # noqa: E731
        return cls(d["layer"], d["kind"], arr(d["ch_min"]), arr(d["ch_max"]), arr(d.get("bn_scale")),
                   arr(d.get("bn_variance")))


def _channel_view(kind: str, kernel: np.ndarray) -> np.ndarray:
    """``kernel`` as (weights per channel, channels) on TFLite's quantized channel axis."""
    k = np.asarray(kernel, np.float64)
    if kind == "DepthwiseConv2D":          # (kh, kw, C, mult): channel = C (depth multiplier 1)
        k = np.moveaxis(k, 2, -1)
        return k.reshape(-1, k.shape[-1])
    return k.reshape(-1, k.shape[-1])      # Conv2D (kh, kw, in, out), Dense (in, out)


def _bn_stats(bn) -> tuple[np.ndarray, np.ndarray]:
    w = {v.path.split("/")[-1]: np.asarray(v.numpy(), np.float64) for v in bn.weights}
    var = w["moving_variance"]
    gamma = w.get("gamma", np.ones_like(var))
    return gamma / np.sqrt(var + float(bn.get_config()["epsilon"])), var


def model_weights(model) -> dict[str, LayerWeights]:
    """Every Conv2D / DepthwiseConv2D / Dense layer of ``model``, BN folded as the export folds it."""
    from ..models.bn_fold import foldable_pairs, folded_weights

    params, _ = folded_weights(model)
    pairs = foldable_pairs(model)
    out = {}
    for layer in model.layers:
        name, kind = layer.name, type(layer).__name__
        if name not in params:
            continue
        cv = _channel_view(kind, params[name][0])
        scale = var = None
        if name in pairs:
            scale, var = _bn_stats(model.get_layer(pairs[name]))
        out[name] = LayerWeights(name, kind, cv.min(axis=0), cv.max(axis=0), scale, var)
    return out


def layer_weights(model, layer: str) -> LayerWeights:
    """One layer's :class:`LayerWeights`; a clear error when it has no kernel."""
    weights = model_weights(model)
    if layer not in weights:
        raise KeyError(f"layer {layer!r} has no conv/depthwise/dense kernel; layers with one: "
                       + ", ".join(list(weights)[:8]) + (" ..." if len(weights) > 8 else ""))
    return weights[layer]
