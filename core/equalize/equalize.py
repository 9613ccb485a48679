"""``qftune equalize``: fold BN, cross-layer equalization, bias absorption -> a float Keras model.

The result computes the same function as the input (up to float32 rounding) except
where DFQ itself changes it: each ReLU6 between an equalized pair becomes a ReLU
(``relu6="relu"``, the paper's and AIMET's choice; ``relu6="keep"`` leaves ReLU6 pairs
alone and is exact), and bias absorption is exact except for pre-activations below
beta - 3 gamma (see :mod:`.absorption`). :func:`check_equivalence` measures all three
on real images.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..progress import NULL_PROGRESS, Progress
from .absorption import absorb
from .cle import equalize
from .pairs import Pair, find_pairs
from .preact import bn_preact_stats
from .rebuild import rebuild
from .report import SPREAD_TARGET, spread_table

WEIGHTED = ("Conv2D", "DepthwiseConv2D", "Dense")


@dataclass
class EqualizeResult:
    model: object                       # the equalized Keras model
    reference: object                   # the input, BN folded, with the same ReLU6 -> ReLU (CLE's exact twin)
    pairs: list[Pair]
    relu6: str
    relu6_replaced: list[str]
    bias_absorption: bool
    sweeps: int
    residual: float
    spread: list[dict]
    absorbed: dict = field(default_factory=dict)        # W1 -> c (per channel)
    preact_stats: dict = field(default_factory=dict)    # layer -> (mean, std) after CLE + BA
    check: dict = field(default_factory=dict)           # filled by check_equivalence

    def depthwise_over_target(self) -> list[dict]:
        return [r for r in self.spread if r["type"] == "DepthwiseConv2D" and r["spread_after"] > SPREAD_TARGET]

    def to_dict(self) -> dict:
        return {
            "relu6": self.relu6, "relu6_replaced_by_relu": self.relu6_replaced,
            "bias_absorption": self.bias_absorption, "sweeps": self.sweeps, "residual": self.residual,
            "pairs": [p.to_dict() for p in self.pairs],
            "absorbed": {k: {"channels_shifted": int(np.sum(v > 0)), "max_shift": float(v.max()),
                             "mean_shift": float(v.mean())} for k, v in self.absorbed.items()},
            "spread": self.spread,
            "depthwise_spread_target": SPREAD_TARGET,
            "depthwise_over_target": [r["layer"] for r in self.depthwise_over_target()],
            "check": self.check,
            "preact_stats": {k: {"mean": [float(x) for x in m], "std": [float(x) for x in s]}
                             for k, (m, s) in self.preact_stats.items()},
        }


def _params(folded_model) -> tuple[dict[str, list], dict[str, str]]:
    params, classes = {}, {}
    for layer in folded_model.layers:
        cls = type(layer).__name__
        if cls not in WEIGHTED:
            continue
        b = np.asarray(layer.bias.numpy(), np.float64) if getattr(layer, "use_bias", False) else None
        params[layer.name] = [np.asarray(layer.kernel.numpy(), np.float64), b]
        classes[layer.name] = cls
    return params, classes


def equalize_model(model, bias_absorption: bool = True, relu6: str = "relu",
                   progress: Progress = NULL_PROGRESS) -> EqualizeResult:
    """Fold BN, equalize every pair (:mod:`.pairs`) to convergence, absorb biases; nothing is written."""
    from ..models.bn_fold import fold_batchnorm

    progress.update(0, 4, "folding BatchNorm")
    folded = fold_batchnorm(model)
    stats = bn_preact_stats(model)
    params, classes = _params(folded)
    before = {k: [v[0].copy(), None if v[1] is None else v[1].copy()] for k, v in params.items()}
    pairs = find_pairs(folded, relu6=relu6)
    progress.update(1, 4, f"equalizing {len(pairs)} layer pairs")
    progress.check_cancelled()
    total, sweeps, residual = equalize(params, classes, pairs)
    for first, s in total.items():
        if first in stats:
            m, sd = stats[first]
            stats[first] = (m / s, sd / s)
    absorbed = absorb(params, classes, pairs, stats) if bias_absorption else {}
    progress.update(2, 4, "building the equalized model")
    progress.check_cancelled()
    relu_layers = {n for p in pairs for n in p.relu6_layers}
    eq = rebuild(folded, params, relu_layers, name=model.name)
    reference = rebuild(folded, before, relu_layers, name=model.name) if relu_layers else folded
    progress.update(4, 4, "equalized")
    return EqualizeResult(eq, reference, pairs, relu6, sorted(relu_layers), bias_absorption, sweeps, residual,
                          spread_table(before, params, classes, {n for p in pairs for n in (p.first, p.second)}),
                          absorbed, stats)


def max_relative_difference(y: np.ndarray, ref: np.ndarray) -> float:
    """max |y - ref| / max |ref| over the whole batch (0 when both are 0)."""
    y, ref = np.asarray(y, np.float64), np.asarray(ref, np.float64)
    den = float(np.max(np.abs(ref))) if ref.size else 0.0
    num = float(np.max(np.abs(y - ref))) if ref.size else 0.0
    return num / den if den > 0 else num


def _run(model, x, batch=128):
    return np.concatenate([np.asarray(model(x[i:i + batch], training=False)) for i in range(0, len(x), batch)])


def check_equivalence(original, result: EqualizeResult, x: np.ndarray, source: str = "") -> dict:
    """Outputs on the model inputs ``x``: the equalized model against the input model, against its
    ReLU6 -> ReLU twin (what CLE must preserve exactly), and the twin against the input; stored in
    ``result.check``."""
    y0, yr, ye = _run(original, x), _run(result.reference, x), _run(result.model, x)
    top = lambda a, b: float(np.mean(np.argmax(a, 1) == np.argmax(b, 1)))  # noqa: E731
    result.check = {
        "images": int(len(x)), "data": source,
        "max_rel_diff_vs_input": max_relative_difference(ye, y0),
        "max_rel_diff_vs_relu_reference": max_relative_difference(ye, yr),
        "relu6_to_relu_max_rel_diff": max_relative_difference(yr, y0),
        "top1_agreement_vs_input": top(ye, y0),
    }
    return result.check
