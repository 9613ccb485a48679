"""Bias correction of quantized kernels (DFQ section 4.2), applied to the folded params at export.

Quantizing a kernel W to W_q shifts every output channel's expected pre-activation by
(W_q - W)·E[x], x the layer's input: per output channel o,
sum over taps and input channels i of (W_q - W)[.., i, o] * E[x_i]. Subtracting that from
the bias makes the int8 layer's pre-activation mean match float's again (for the
weight error; activation rounding is not what this corrects). The kernels, and so every
weight scale and the bias scale (input x weight) the verifier checks, are unchanged.

E[x_i], per input channel:
* ``analytic`` — from BatchNorm statistics: the previous layer's pre-activation is taken as
  N(beta, gamma^2) (:mod:`.preact`) and pushed through its ReLU/ReLU6 (clipped-normal mean),
  ZeroPadding/Dropout (unchanged, borders ignored), Add (sum) and global pooling (unchanged).
  The statistics come from the model's own BN layers or, for a model written by
  ``qftune equalize`` (BN folded), from its ``.dfq.json``. Layers whose input has no such
  statistics (the first conv reads the image) use the empirical mean when images are given.
* ``empirical`` — the mean of the layer's input in the float model over the calibration images.
"""

from __future__ import annotations

import numpy as np

from ..keras_graph import walk_nodes
from ..models.bn_fold import foldable_pairs
from ..progress import NULL_PROGRESS, Progress
from .pairs import _activation_kind
from .preact import bn_preact_stats, expected_clipped

MODES = ("none", "analytic", "empirical")
WEIGHTED = ("Conv2D", "DepthwiseConv2D", "Dense")


def quantized_kernel(cls: str, kernel: np.ndarray, granularity: str) -> np.ndarray:
    """The kernel exactly as the export's FakeQuant rounds it (symmetric, narrow range)."""
    import tensorflow as tf

    from ..quant.weight_grid import fake_quant_kernel

    return np.asarray(fake_quant_kernel(tf, cls, np.asarray(kernel, np.float32), granularity).numpy(), np.float64)


def mean_shift(cls: str, eps: np.ndarray, ex: np.ndarray) -> np.ndarray:
    """(W_q - W)·E[x] per output channel."""
    if cls == "Dense":
        return ex @ eps
    if cls == "DepthwiseConv2D":
        return eps.sum(axis=(0, 1))[:, 0] * ex
    return np.einsum("hwio,i->o", eps, ex)


def _through(kind: str, dist):
    """A (mean, std|None) distribution through an activation; std None = only the mean is known."""
    if dist is None:
        return None
    mean, std = dist
    if kind == "linear":
        return dist
    if std is None:
        return None
    return expected_clipped(mean, std, 0.0, 6.0 if kind == "relu6" else None), None


def analytic_input_means(model, stats: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    """Weighted layer name -> E[input] per channel, where the BN statistics determine it."""
    folded_bns = set(foldable_pairs(model).values())
    dist: dict[int, tuple | None] = {}
    out = {}
    for inp in model.inputs:
        dist[id(inp)] = None
    for node in walk_nodes(model):
        layer = node.operation
        cls = type(layer).__name__
        ins = [dist.get(id(t)) for t in node.input_tensors]
        if cls in WEIGHTED:
            if ins[0] is not None:
                out[layer.name] = np.asarray(ins[0][0], np.float64)
            d = stats.get(layer.name)
            d = None if d is None else (np.asarray(d[0], np.float64), np.asarray(d[1], np.float64))
            own = layer.get_config().get("activation", "linear")
            d = _through(own, d) if own in ("relu", "relu6", "linear") else None
        elif layer.name in folded_bns or cls in ("Dropout", "ZeroPadding2D"):
            d = ins[0]
        elif _activation_kind(layer) is not None:
            d = _through(_activation_kind(layer), ins[0])
        elif cls == "Add" and all(i is not None for i in ins):
            d = (np.sum([i[0] for i in ins], axis=0), None)
        elif cls == "GlobalAveragePooling2D" and ins[0] is not None:
            d = (ins[0][0], None)
        else:
            d = None
        for o in node.outputs:
            dist[id(o)] = d
    return out


def empirical_input_means(model, images: np.ndarray, names: list[str], batch: int = 32) -> dict[str, np.ndarray]:
    """Weighted layer name -> mean of its input over ``images`` (model inputs) and all positions."""
    import keras

    inputs = model.inputs if len(model.inputs) > 1 else model.inputs[0]   # called with a tensor below
    probe = keras.Model(inputs, [model.get_layer(n).input for n in names])
    sums = [None] * len(names)
    count = [0] * len(names)
    for i in range(0, len(images), batch):
        outs = probe(images[i:i + batch], training=False)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        for j, o in enumerate(outs):
            a = np.asarray(o, np.float64)
            a = a.reshape(-1, a.shape[-1])
            sums[j] = a.sum(axis=0) if sums[j] is None else sums[j] + a.sum(axis=0)
            count[j] += a.shape[0]
    return {n: sums[j] / count[j] for j, n in enumerate(names)}


def correct_biases(model, folded, weights: str, mode: str, images: np.ndarray | None = None,
                   stats: dict | None = None, progress: Progress = NULL_PROGRESS):
    """``(folded', report)``: :func:`core.models.bn_fold.folded_weights`-style params with every weighted
    layer's bias corrected for the rounding of its kernel at ``weights`` granularity.

    ``images`` (preprocessed model inputs) give the empirical means and the measured
    before/after shifts; ``stats`` adds pre-activation statistics (a ``.dfq.json``'s) to the model's BN ones.
    """
    if mode not in MODES[1:]:
        raise ValueError(f"--bias-correction must be one of {', '.join(MODES)}, got {mode!r}")
    params, skipped = folded
    names = [n for n in params if type(model.get_layer(n)).__name__ in WEIGHTED]
    all_stats = {**bn_preact_stats(model), **(stats or {})}
    analytic = analytic_input_means(model, all_stats) if mode == "analytic" else {}
    progress.update(0, len(names) + 1, "bias correction: input means")
    measured = empirical_input_means(model, images, names) if images is not None and len(images) else {}
    new = dict(params)
    rows, skipped_layers = [], []
    for k, name in enumerate(names):
        cls = type(model.get_layer(name)).__name__
        kernel, bias = params[name]
        if name in analytic:
            ex, source = analytic[name], "analytic"
        elif name in measured:
            ex, source = measured[name], "empirical"
        else:
            skipped_layers.append(name)
            continue
        eps = quantized_kernel(cls, kernel, weights) - np.asarray(kernel, np.float64)
        corr = mean_shift(cls, eps, ex)
        b = np.zeros_like(corr) if bias is None else np.asarray(bias, np.float64)
        new[name] = (kernel, (b - corr).astype(np.float32))
        row = {"layer": name, "source": source, "channels": int(corr.size),
               "max_abs_correction": float(np.abs(corr).max())}
        if name in measured:
            shift = mean_shift(cls, eps, measured[name])
            row["mean_abs_shift_before"] = float(np.mean(np.abs(shift)))
            row["mean_abs_shift_after"] = float(np.mean(np.abs(shift - corr)))
        rows.append(row)
        progress.update(k + 1, len(names) + 1, f"bias correction: {name}")
    report = {"mode": mode, "weights": weights, "images": 0 if images is None else int(len(images)),
              "layers": rows, "not_corrected": skipped_layers,
              "note": "mean shifts per output channel, measured on the images with the float model's inputs"}
    return (new, skipped), report


def summary(report: dict) -> str:
    """One paragraph for the CLI: what was corrected and the measured mean shift before/after."""
    rows = report["layers"]
    src = {s: sum(r["source"] == s for r in rows) for s in ("analytic", "empirical")}
    measured = [r for r in rows if "mean_abs_shift_before" in r]
    text = (f"bias correction ({report['mode']}, {report['weights']} kernels): {len(rows)} layers corrected "
            f"({src['analytic']} analytic, {src['empirical']} empirical)")
    if measured:
        b = np.mean([r["mean_abs_shift_before"] for r in measured])
        a = np.mean([r["mean_abs_shift_after"] for r in measured])
        text += f"; mean |pre-activation shift| on {report['images']} images: {b:.3g} before, {a:.3g} after"
    if report["not_corrected"]:
        text += f"; not corrected (no statistics, no images): {', '.join(report['not_corrected'])}"
    return text


BC_MAX_IMAGES = 512
"""Calibration images used for the empirical means (E[x] of a layer's input converges long before)."""


def correction_inputs(calibration: dict, model, model_path, convention, calib_data: str | None = None,
                      max_images: int = BC_MAX_IMAGES) -> tuple[np.ndarray, dict | None]:
    """(model-ready calibration images, the model's ``.dfq.json`` BN statistics) for bias correction.

    The images are the session's calibration images (``calibration`` = the session's record:
    data, per_class, limit), or ``calib_data``'s training split, at most ``max_images``, streamed
    through ``convention`` like any other consumer (folder and ImageNet sources included).
    """
    from ..calibrate import calibration_images
    from .preact import load_sidecar_stats

    cal = calibration or {}
    spec = calib_data or cal.get("data") or "embedded"
    per_class = None if calib_data else cal.get("per_class")
    src = calibration_images(spec, per_class, None if calib_data else cal.get("limit")).limit(max_images)
    _, h, _w, c = model.input_shape
    x = np.concatenate([b for b, _y in src.batches(int(h), int(c), convention, 64)]).astype(np.float32)
    return x, load_sidecar_stats(model_path)
