"""Per-tensor sensitivity, as AIMET's QuantAnalyzer does it: quantize one tensor at a
time (all others float) and measure the top-1 drop.

Done in TensorFlow, not by converting one .tflite per tensor (66 conversions would
take minutes): the BN-folded model is traced once with a FakeQuant on every plan
tensor, each behind a ``tf.cond`` on/off switch fed at run time (only the taken
branch runs), so evaluating "only tensor i quantized" costs one plain forward pass
over the evaluation set. FakeQuant is the
exact int8 grid the converter keeps, so this is the activation quantization of the
int8 model; optionally the tensor's op also gets its fake-quantized kernel
(``weights='per-channel'|'per-tensor'``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .progress import NULL_PROGRESS, Progress
from .quant.tensors import WEIGHTED_OPS


@dataclass
class Sensitivity:
    name: str
    op: str
    top1: float          # with only this tensor quantized
    drop_pp: float       # float top-1 minus this, in percentage points

    def to_dict(self):
        return dict(self.__dict__)


def drops_of(doc: dict | None) -> dict[str, float]:
    """``{tensor: top-1 drop in percentage points}``, largest first, of a Sensitivity result as plain data
    (``SensitivityResult.to_dict()``, what ``qftune sensitivity --json`` prints; its ``n_images`` and
    ``float_top1`` give the noise band)."""
    return {r["name"]: math.nan if r.get("drop_pp") is None else float(r["drop_pp"])
            for r in (doc or {}).get("tensors", [])}


def _switched_forward(model, folded, fq_layers: dict[str, tuple[float, float]], order: list[str],
                      weight_layers: dict[str, int], weights: str | None):
    """run(x, switch) where switch[i] turns on the FakeQuant after layer order[i]."""
    import tensorflow as tf

    from .export.graph import apply_weighted
    from .keras_graph import walk_nodes
    from .quant.weight_grid import fake_quant_kernel

    position = {name: i for i, name in enumerate(order)}
    input_name = model.inputs[0]._keras_history.operation.name
    nodes = list(walk_nodes(model))
    params, skipped = folded

    def fq(name, t, switch):
        if name not in position:
            return t
        lo, hi = fq_layers[name]
        return tf.cond(switch[position[name]],
                       lambda: tf.quantization.fake_quant_with_min_max_args(t, min=float(lo), max=float(hi),
                                                                           num_bits=8, narrow_range=False),
                       lambda: tf.identity(t))

    def weighted(layer, x, switch):
        cls = type(layer).__name__
        kernel, bias = params[layer.name]
        w = tf.constant(kernel)
        if weights is not None and layer.name in weight_layers:
            w = tf.cond(switch[weight_layers[layer.name]], lambda: fake_quant_kernel(tf, cls, kernel, weights),
                        lambda: tf.identity(w))
        return apply_weighted(tf, layer, x, w, bias)

    spec = [tf.TensorSpec((None,) + tuple(model.input_shape[1:]), tf.float32), tf.TensorSpec((len(order),), tf.bool)]

    @tf.function(autograph=False, input_signature=spec)
    def run(x, switch):
        values = {id(model.inputs[0]): fq(input_name, x, switch)}
        for node in nodes:
            layer = node.operation
            args, kwargs = node.arguments.fill_in(values)
            cls = type(layer).__name__
            if cls in ("Conv2D", "DepthwiseConv2D", "Dense"):
                y = weighted(layer, args[0], switch)
            elif cls == "Dropout" or layer.name in skipped:
                y = args[0]
            else:
                kwargs.pop("training", None)
                y = layer(*args, **kwargs)
            values[id(node.outputs[0])] = fq(layer.name, y, switch)
        return values[id(model.outputs[0])]

    return run


def sensitivity(model, tensors, ranges: dict, images, labels: np.ndarray | None = None,
                weights: str | None = None, include_locked: bool = False, batch_size: int = 500,
                progress: Progress = NULL_PROGRESS, convention=None) -> tuple[float, list[Sensitivity], float]:
    """(float top-1, per-tensor results sorted by drop (largest first), seconds).

    ``images``: an image source (decoded once: its pixels are kept as uint8, N x H x W x C
    bytes, and fed through ``convention`` on every pass; default: pixel/255), or uint8
    images with their ``labels`` (taken as pixel/255).
    """
    import tensorflow as tf

    from .data import Dataset, pixel_batches
    from .export.export import _fq_layers, expected_params
    from .models.bn_fold import folded_weights
    from .models.convention import PIXEL_01

    t0 = time.perf_counter()
    params = expected_params(tensors, ranges)
    fq_layers = _fq_layers(tensors, params)
    chosen = [t for t in tensors if include_locked or not t.locked]
    order = [t.output_layer for t in chosen]
    weight_layers = {t.name: i for i, t in enumerate(chosen) if t.op in WEIGHTED_OPS}
    run = _switched_forward(model, folded_weights(model), fq_layers, order, weight_layers, weights)
    src = Dataset(images, labels, source="images") if isinstance(images, np.ndarray) else images
    conv = convention or PIXEL_01
    size, channels = int(model.input_shape[1]), int(model.input_shape[-1])
    total = len(chosen) + 1
    progress.update(0, total, "decoding the images")
    batches, parts = [], []
    for px, y in pixel_batches(src, size, channels, batch_size, progress.sub(0.0, 1.0 / total, 1.0)):
        batches.append(tf.constant(px))
        parts.append(y)
    if not batches:
        raise ValueError(f"{src.source}: no images for sensitivity")
    labels = np.concatenate(parts)

    def top1(switch) -> float:
        sw = tf.constant(switch)
        pred = np.concatenate([np.argmax(run(conv.apply(b), sw).numpy().reshape(len(b), -1), axis=1) for b in batches])
        return float(np.mean(pred == labels))

    base = top1(np.zeros(len(chosen), bool))
    progress.update(1, total, "float baseline")
    results = []
    for i, t in enumerate(chosen):
        sw = np.zeros(len(chosen), bool)
        sw[i] = True
        acc = top1(sw)
        results.append(Sensitivity(t.name, t.op, acc, (base - acc) * 100.0))
        progress.update(i + 2, total, t.name)
    results.sort(key=lambda r: -r.drop_pp)
    return base, results, time.perf_counter() - t0


def format_sensitivity(base: float, rows: list[Sensitivity], n_images: int, seconds: float) -> str:
    lines = [f"float top-1 {base * 100:.2f}% on {n_images} images; quantizing one tensor at a time (others float):",
             f"{'tensor':<24} {'op':<18} {'top-1':>7} {'drop pp':>8}"]
    for r in rows:
        lines.append(f"{r.name:<24} {r.op:<18} {r.top1 * 100:6.2f}% {r.drop_pp:8.2f}")
    lines.append(f"{len(rows)} tensors in {seconds:.1f} s (TF FakeQuant on the folded model, one trace, "
                 f"one forward pass per tensor)")
    return "\n".join(lines)
