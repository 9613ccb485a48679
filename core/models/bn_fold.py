"""Fold BatchNormalization into the Conv2D / DepthwiseConv2D / Dense right before it.

TFLite does this during conversion anyway; doing it ourselves first means the
weights we fake-quantize (and whose scales the verifier checks) are exactly the
weights the int8 model stores. Inference only: a BN layer becomes

    y = gamma * (x - mean) / sqrt(var + eps) + beta
      = x * s + (beta - mean * s),  s = gamma / sqrt(var + eps)

so the kernel is scaled per output channel by ``s`` and the bias becomes
``bias * s + beta - mean * s``. A BN that does not directly follow a
single-consumer conv/dense (with a linear built-in activation) is kept as is.
"""

from __future__ import annotations

import numpy as np

from ..keras_graph import inbound_layers, rebuild

FOLDABLE = ("Conv2D", "DepthwiseConv2D", "Dense")


def _bn_scale_shift(bn) -> tuple[np.ndarray, np.ndarray]:
    cfg = bn.get_config()
    weights = {w.path.split("/")[-1]: np.asarray(w.numpy(), np.float64) for w in bn.weights}
    mean, var = weights["moving_mean"], weights["moving_variance"]
    gamma = weights.get("gamma", np.ones_like(mean))
    beta = weights.get("beta", np.zeros_like(mean))
    s = gamma / np.sqrt(var + float(cfg["epsilon"]))
    return s, beta - mean * s


def foldable_pairs(model) -> dict[str, str]:
    """conv/dense layer name -> the BN layer name folded into it."""
    consumers: dict[str, list] = {}
    for layer in model.layers:
        for src in inbound_layers(layer):
            consumers.setdefault(src.name, []).append(layer)
    pairs = {}
    for layer in model.layers:
        if type(layer).__name__ != "BatchNormalization":
            continue
        axis = layer.get_config().get("axis", -1)
        if axis not in (-1, [-1], 3, [3], 1, [1]) and axis != len(layer.output.shape) - 1:
            continue
        srcs = inbound_layers(layer)
        if len(srcs) != 1:
            continue
        src = srcs[0]
        if type(src).__name__ not in FOLDABLE or len(consumers.get(src.name, [])) != 1:
            continue
        if src.get_config().get("activation", "linear") != "linear":
            continue
        if type(src).__name__ == "DepthwiseConv2D" and src.get_config().get("depth_multiplier", 1) != 1:
            continue
        pairs[src.name] = layer.name
    return pairs


def _folded_weights(layer, bn) -> list[np.ndarray]:
    s, shift = _bn_scale_shift(bn)
    kernel = np.asarray(layer.kernel.numpy(), np.float64)
    bias = np.asarray(layer.bias.numpy(), np.float64) if getattr(layer, "use_bias", False) else np.zeros_like(s)
    cls = type(layer).__name__
    if cls == "DepthwiseConv2D":           # (kh, kw, in, 1): channel = in
        kernel = kernel * s.reshape(1, 1, -1, 1)
    else:                                  # Conv2D (kh, kw, in, out), Dense (in, out): channel = last
        kernel = kernel * s
    return [kernel.astype(np.float32), (bias * s + shift).astype(np.float32)]


def folded_weights(model) -> tuple[dict[str, tuple[np.ndarray, np.ndarray | None]], set[str]]:
    """Without building a new model: ``({layer: (kernel, bias)}, folded BN names)`` for every
    Conv2D/DepthwiseConv2D/Dense of ``model``, BN folded in where possible (bias None when the
    layer has none and no BN was folded). A graph walker that treats the folded BNs as
    identity and uses these weights computes the folded model."""
    pairs = foldable_pairs(model)
    params = {}
    for layer in model.layers:
        if type(layer).__name__ not in FOLDABLE:
            continue
        if layer.name in pairs:
            k, b = _folded_weights(layer, model.get_layer(pairs[layer.name]))
        else:
            k = np.asarray(layer.kernel.numpy(), np.float32)
            b = np.asarray(layer.bias.numpy(), np.float32) if getattr(layer, "use_bias", False) else None
        params[layer.name] = (k, b)
    return params, set(pairs.values())


def fold_batchnorm(model):
    """A new functional Keras model computing the same inference function with
    every foldable BatchNormalization merged into the conv/dense before it.

    Layer names are kept (the folded conv keeps its name, the BN disappears), so
    plan tensors (``core.quant.tensors``) of the original model still name layers of
    the folded one; a BN output layer maps to its conv (see :func:`folded_layer_map`).
    """
    pairs = foldable_pairs(model)
    folded_bns = set(pairs.values())
    clones: dict[str, object] = {}

    def on_node(node, tensors):
        layer = node.operation
        if layer.name in folded_bns:
            return tensors[id(node.input_tensors[0])]
        new = clones.get(layer.name)
        if new is None:
            cfg = layer.get_config()
            if layer.name in pairs:
                cfg["use_bias"] = True
            try:
                new = type(layer).from_config(cfg)
            except Exception:   # noqa: BLE001 - e.g. an OpLayer (core.models.normalize): stateless, reuse it
                new = layer
            clones[layer.name] = new
        args, kwargs = node.arguments.fill_in(tensors)
        y = new(*args, **kwargs)
        if layer.name in pairs:
            new.set_weights(_folded_weights(layer, model.get_layer(pairs[layer.name])))
        elif layer.weights:
            new.set_weights(layer.get_weights())
        return y

    return rebuild(model, on_node)


def folded_layer_map(model) -> dict[str, str]:
    """Original layer name -> the layer of the folded model producing the same tensor."""
    pairs = foldable_pairs(model)
    out = {layer.name: layer.name for layer in model.layers}
    for conv, bn in pairs.items():
        out[bn] = conv
    return out
