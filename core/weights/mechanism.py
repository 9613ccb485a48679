"""One model's mechanism figures: how far per-tensor int8 weights can hurt it, from its folded kernels.

The ablation table (bench/bench_ablation.py, the demo, the model cards) reports these beside the
accuracies: over the depthwise layers, the largest per-channel spread (max / median of per-channel
max|w|), how many channels per-tensor int8 weights erase (every weight rounds to 0), how many are
dead (BN moving variance ~0) and the largest folded BN scale. :func:`mechanism` also keeps each
layer's :meth:`LayerWeights.summary` so the CLI can print the per-layer table.
"""

from __future__ import annotations

import math

from .ranges import LayerWeights, model_weights

KINDS = {"depthwise": ("DepthwiseConv2D",), "conv": ("Conv2D",), "all": ("Conv2D", "DepthwiseConv2D", "Dense")}


def select(weights: dict[str, LayerWeights], kind: str = "depthwise") -> list[LayerWeights]:
    """The layers of ``kind`` ("depthwise", "conv" or "all"), in model order."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    return [w for w in weights.values() if w.kind in KINDS[kind]]


def totals(layers: list[LayerWeights]) -> dict:
    """The totals over ``layers``: channels, erased, dead, worst spread (and its layer), largest BN scale."""
    worst = max(layers, key=lambda w: w.spread, default=None)
    scales = [w.max_bn_scale for w in layers if w.max_bn_scale is not None]
    return {"layers": len(layers), "channels": int(sum(w.channels for w in layers)),
            "collapsed": int(sum(int(w.collapsed.sum()) for w in layers)),
            "dead": (int(sum(int(w.dead.sum()) for w in layers))   # None: no folded BN to tell (QF step 1+)
                     if any(w.bn_variance is not None for w in layers) else None),
            "max_spread": None if worst is None else round(worst.spread, 3),
            "max_spread_layer": None if worst is None else worst.layer,
            "max_bn_scale": round(max(scales), 3) if scales else None,
            "max_bn_scale_layer": (max((w for w in layers if w.max_bn_scale is not None),
                                       key=lambda w: w.max_bn_scale).layer if scales else None)}


def mechanism(model, kind: str = "depthwise", weights: dict[str, LayerWeights] | None = None) -> dict:
    """JSON-ready: ``{"kind", "totals": totals(...), "layers": [LayerWeights.summary(), ...]}``.

    ``model`` is a Keras model (ignored when ``weights`` from :func:`model_weights` is given).
    """
    layers = select(weights if weights is not None else model_weights(model), kind)
    return finite({"kind": kind, "totals": totals(layers), "layers": [w.summary() for w in layers]})


def finite(obj):
    """``obj`` with every non-finite float (an infinite spread) as None, so it is strict JSON."""
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [finite(v) for v in obj]
    return None if isinstance(obj, float) and not math.isfinite(obj) else obj


def totals_line(mech: dict) -> str:
    """One sentence: "depthwise: 3 of 2,432 channels erased by per-tensor weights (0 dead); worst block0_dw spread 50x"."""
    t = mech["totals"]
    if not t["layers"]:
        return f"{mech['kind']}: no layers of this kind"
    line = (f"{mech['kind']}: {t['collapsed']:,} of {t['channels']:,} channels erased by per-tensor weights "
            f"({'no BN to tell dead ones' if t['dead'] is None else format(t['dead'], ',') + ' dead'}); "
            f"worst {t['max_spread_layer']} spread {_x(t['max_spread'])}")
    if t["max_bn_scale"] is not None:
        line += f"; largest BN scale {t['max_bn_scale']:.3g} ({t['max_bn_scale_layer']})"
    return line


def _x(v) -> str:
    return "inf" if v is None or v == float("inf") else f"{v:.3g}x"
