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
from ..plan.precision import float_layers
from ..plan.weight_entry import weight_quant_params
from ..quant.affine import affine_params
from ..quant.granularity import GRANULARITIES
from ..quant.tensors import IDENTITY
from ..quant.weight_grid import fake_quant_kernel


def kernel_range(layer_cls: str, kernel: np.ndarray, granularity: str, name: str | None = None,
                 weight_plan=None) -> tuple[np.ndarray, np.ndarray]:
    """The FakeQuant (min, max) of a kernel as the export quantizes it: symmetric ``[-m, m]`` per
    channel or per tensor, ``m`` from the plan's entry for layer ``name`` in ``weight_plan`` (its
    granularity and clip), else max|w| at ``granularity``
    (:func:`core.plan.weight_entry.weight_quant_params`). The one place a layer's weight
    quantization parameters come from, for the export and the simulation alike."""
    _, m, _ = weight_quant_params(weight_plan, name, layer_cls, kernel, granularity)
    return -m, m


def fq_kernel_with(tf, layer_cls: str, kernel: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """``kernel`` fake-quantized as the export does (narrow range) on the symmetric range ``lo``..``hi``
    (:func:`kernel_range`): one value, or one per channel."""
    hi = np.asarray(hi, np.float32)
    if not np.array_equal(np.asarray(lo, np.float32), -hi):
        raise ValueError("int8 kernels are symmetric: lo must be -hi")
    return fake_quant_kernel(tf, layer_cls, kernel, "per-tensor" if len(hi) == 1 else "per-channel", hi)


def fake_quant_activation(tf, t, lo: float, hi: float):
    """``t`` through the export's activation FakeQuant on the constant range ``lo``..``hi`` (8 bits, wide range).

    Always ``fake_quant_with_min_max_args``: it rounds ``(x - min) * (1 / scale)``, while
    ``fake_quant_with_min_max_vars`` rounds ``(x - min) / scale`` (TensorFlow's
    ``fake_quant_ops_functor.h``), and the two differ by one step wherever a value lies within a
    float32 ulp of a rounding boundary. Every graph that must compute what the export computes
    (the fine-tuning graph on its constant ranges, :mod:`core.qat.model`) calls this one function."""
    return tf.quantization.fake_quant_with_min_max_args(t, min=float(lo), max=float(hi), num_bits=8,
                                                        narrow_range=False)


def activation(tf, layer, y):
    """``y`` through ``layer``'s built-in activation (linear, relu or relu6)."""
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


def _rescale_call(tf, layer, x, kernel_quant):
    kernel, bias = rescale_kernel(layer)
    w = kernel_quant(layer.name, "DepthwiseConv2D", kernel)
    y = tf.nn.depthwise_conv2d(tf.cast(x, tf.float32), w, strides=[1, 1, 1, 1], padding="VALID")
    return tf.nn.bias_add(y, tf.constant(bias))


def apply_weighted(tf, layer, x, w, bias, activate: bool = True):
    """``layer``'s conv / depthwise conv / matmul with kernel ``w``, then bias and fused activation
    (unless not ``activate``)."""
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
        y = tf.nn.bias_add(y, tf.convert_to_tensor(bias, tf.float32))
    return activation(tf, layer, y) if activate else y


def export_kernel_quant(weights: str | None, weight_plan=None):
    """``kernel_quant`` for :func:`node_step`: the export's constant kernel, fake-quantized with
    ``weights`` granularity (None: float) and the plan's kernel entries (``weight_plan``); the kernel
    of an op the plan sets float (:func:`core.plan.precision.float_layers`) stays float."""
    import tensorflow as tf

    if weights is not None and weights not in GRANULARITIES:
        raise ValueError(f"weights must be one of {', '.join(GRANULARITIES)}, got {weights!r}")
    floats = float_layers(weight_plan)

    def kernel_quant(name, layer_cls, kernel):
        if weights is None or name in floats:
            return tf.constant(np.asarray(kernel, np.float32))
        return fq_kernel_with(tf, layer_cls, kernel, *kernel_range(layer_cls, kernel, weights, name, weight_plan))

    return kernel_quant


def node_step(model, folded, act_quant, kernel_quant, bias_quant=None):
    """``step(node, values)``: computes one node of :func:`walk_nodes` (``model``, BatchNorm folded,
    ``folded`` = :func:`core.models.bn_fold.folded_weights`) from ``values`` (tensor id -> value)
    and stores its output there. The one definition of the quantized graph, shared by the export
    and the simulation (:mod:`core.simulate`), which differ only in their hooks:
    ``act_quant(layer_name, t)`` (the FakeQuant after a layer's output, or ``t``) and
    ``kernel_quant(layer_name, layer_cls, kernel)`` (the kernel tensor to compute with), and
    ``bias_quant(layer_name, bias)`` (the bias to add; None: as is, the converter rounds it itself)."""
    import tensorflow as tf

    params, skipped = folded

    def step(node, values):
        layer = node.operation
        args, kwargs = node.arguments.fill_in(values)
        cls = type(layer).__name__
        if cls in ("Conv2D", "DepthwiseConv2D", "Dense"):
            kernel, bias = params[layer.name]
            if bias is not None and bias_quant is not None:
                bias = bias_quant(layer.name, bias)
            y = apply_weighted(tf, layer, args[0], kernel_quant(layer.name, cls, kernel), bias)
        elif cls in ("Rescaling", "Normalization"):
            y = _rescale_call(tf, layer, args[0], kernel_quant)
        elif cls in IDENTITY or layer.name in skipped:
            y = args[0]
        else:
            kwargs.pop("training", None)
            y = layer(*args, **kwargs)
        values[id(node.outputs[0])] = act_quant(layer.name, y)

    return step


def input_layer_name(model) -> str:
    """The name of ``model``'s input layer: the plan's input tensor's FakeQuant goes after it."""
    return model.inputs[0]._keras_history.operation.name


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

    kernel_quant = export_kernel_quant(weights, weight_plan)
    folded = folded if folded is not None else folded_weights(model)
    input_name = input_layer_name(model)
    nodes = list(walk_nodes(model))

    def fq(name, t):
        if name in fq_after:
            return fake_quant_activation(tf, t, *fq_after[name])
        return t

    step = node_step(model, folded, fq, kernel_quant)

    def run(x):
        values = {id(model.inputs[0]): fq(input_name, x)}
        for node in nodes:
            step(node, values)
        return values[id(model.outputs[0])]

    return run
