"""The fake-quant forward pass that the TFLite converter turns into an int8 model.

Walks the BN-folded Keras model node by node and computes every layer; weighted
layers (Conv2D, DepthwiseConv2D, Dense) are computed with explicit TF ops on a
fake-quantized constant kernel (symmetric, narrow range, per output channel or per
tensor), and every plan tensor gets ``fake_quant_with_min_max_args(min, max,
num_bits=8, narrow_range=False)`` with its fixed range right after its output
layer. The converter then stores exactly scale = (max - min) / 255 for each.

A tensor left without FakeQuant would silently stay float32, which is why the
verifier (``core.export.verify``) checks every tensor of the result.
"""

from __future__ import annotations

import numpy as np

from ..keras_graph import walk_nodes
from ..plan.weight_entry import weight_quant_params
from ..quant.affine import affine_params
from ..quant.granularity import GRANULARITIES
from ..quant.tensors import IDENTITY
from ..quant.weight_grid import fake_quant_kernel


def _activation(tf, layer, y):
    act = layer.get_config().get("activation", "linear")
    if act == "relu":
        return tf.nn.relu(y)
    if act == "relu6":
        return tf.nn.relu6(y)
    if act != "linear":
        raise ValueError(f"layer {layer.name}: built-in activation {act!r} is not supported by the int8 export")
    return y


def rescale_kernel(layer) -> tuple[np.ndarray, np.ndarray]:
    """A Rescaling/Normalization layer as a 1x1 depthwise conv: (kernel (1, 1, C, 1), bias (C,)), float32."""
    scale, offset = affine_params(layer)
    return scale.reshape(1, 1, -1, 1).astype(np.float32), offset.astype(np.float32)


def _rescale_call(tf, layer, x, granularity):
    kernel, bias = rescale_kernel(layer)
    w = tf.constant(kernel) if granularity is None else fake_quant_kernel(tf, "DepthwiseConv2D", kernel, granularity)
    y = tf.nn.depthwise_conv2d(tf.cast(x, tf.float32), w, strides=[1, 1, 1, 1], padding="VALID")
    return tf.nn.bias_add(y, tf.constant(bias))


def apply_weighted(tf, layer, x, w, bias):
    """``layer``'s conv / depthwise conv / matmul with kernel ``w``, then bias and fused activation."""
    cls = type(layer).__name__
    cfg = layer.get_config()
    if cls == "Conv2D":
        s = cfg["strides"]
        y = tf.nn.conv2d(x, w, strides=[1, s[0], s[1], 1], padding=cfg["padding"].upper(),
                         dilations=list(cfg["dilation_rate"]))
    elif cls == "DepthwiseConv2D":
        s = cfg["strides"]
        y = tf.nn.depthwise_conv2d(x, w, strides=[1, s[0], s[1], 1], padding=cfg["padding"].upper(),
                                   dilations=list(cfg["dilation_rate"]))
    else:
        y = tf.matmul(x, w)
    if bias is not None:
        y = tf.nn.bias_add(y, tf.constant(bias))
    return _activation(tf, layer, y)


def _weighted_call(tf, layer, params, x, granularity: str, weight_plan=None):
    kernel, bias = params
    if granularity is None:
        w = tf.constant(np.asarray(kernel, np.float32))
    else:
        cls = type(layer).__name__
        _, m, _ = weight_quant_params(weight_plan, layer.name, cls, kernel, granularity)
        w = fake_quant_kernel(tf, cls, kernel, granularity, m)
    return apply_weighted(tf, layer, x, w, bias)


def forward_fn(model, fq_after: dict[str, tuple[float, float]], weights: str | None, folded=None,
               weight_plan=None):
    """A Python function ``x -> y`` computing ``model`` with BatchNorm folded and FakeQuant ranges.

    ``fq_after`` maps a layer name of ``model`` to the (min, max) of the FakeQuant put on
    its output (the input layer's name covers the model input); a folded BN is an
    identity, so a FakeQuant after it sits on the conv's output. ``weights`` is
    ``per-channel``, ``per-tensor`` or None (float kernels, for a float export).
    ``folded`` is :func:`core.models.bn_fold.folded_weights` of ``model`` (computed if None).
    ``weight_plan`` (a :class:`core.plan.Plan`): its kernel entries set each kernel's granularity and
    clip (:func:`core.plan.weight_entry.weight_quant_params`); ``weights`` is their default.
    """
    import tensorflow as tf

    from ..models.bn_fold import folded_weights

    if weights is not None and weights not in GRANULARITIES:
        raise ValueError(f"weights must be one of {', '.join(GRANULARITIES)}, got {weights!r}")
    params, skipped = folded if folded is not None else folded_weights(model)
    input_name = model.inputs[0]._keras_history.operation.name
    nodes = list(walk_nodes(model))

    def fq(name, t):
        if name in fq_after:
            lo, hi = fq_after[name]
            return tf.quantization.fake_quant_with_min_max_args(t, min=float(lo), max=float(hi),
                                                                num_bits=8, narrow_range=False)
        return t

    def run(x):
        values = {id(model.inputs[0]): fq(input_name, x)}
        for node in nodes:
            layer = node.operation
            args, kwargs = node.arguments.fill_in(values)
            cls = type(layer).__name__
            if cls in ("Conv2D", "DepthwiseConv2D", "Dense"):
                y = _weighted_call(tf, layer, params[layer.name], args[0], weights, weight_plan)
            elif cls in ("Rescaling", "Normalization"):
                y = _rescale_call(tf, layer, args[0], weights)
            elif cls in IDENTITY or layer.name in skipped:
                y = args[0]
            else:
                kwargs.pop("training", None)
                y = layer(*args, **kwargs)
            values[id(node.outputs[0])] = fq(layer.name, y)
        return values[id(model.outputs[0])]

    return run
