"""The calibration pass: one forward pass over the images collects every tensor's statistics.

A multi-output Keras model returns, for each :class:`core.quant.tensors.QTensor`,
the output of its ``output_layer`` (where FakeQuant will go at export); the input
tensor's statistics are the model-ready input images themselves. Each output
updates a streaming :class:`Histogram`, so batches of any size work and memory
stays at one batch. By default the binning happens inside the TF graph
(:mod:`.graph_stats`) and only min/max/counts are copied out; ``in_graph=False``
copies every activation to numpy instead (the reference; identical histograms
for identical activations).
"""

from __future__ import annotations

import time
import weakref

import numpy as np

from ..data.preprocess import to_model_input
from ..progress import NULL_PROGRESS
from .graph_stats import graph_stats
from .histogram import DEFAULT_BINS, Histogram, NonFiniteError


class CalibrationError(ValueError):
    """Calibration cannot run on this model/data, with the reason."""


_PROBES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

ACTIVATION_BUDGET = 256 * 2**20
"""Bytes of float32 activations (every tensor's output, summed) one forward pass may hold.

The statistics graph keeps every tensor's activations of its batch (plus about as much in
temporaries): a keras.applications MobileNetV2 at 224 px holds 34 MiB per image, so the default
batch of 32 peaked at 3.7 GB. Larger batches are split into sub-batches within this budget
(MobileNetV2-224: 7 images, ~1.5 GB peak); a small model (28 px: ~0.1 MiB per image) is never split,
so its statistics are exactly those of the requested batch size.
"""


def rows_per_pass(tensors, batch_size: int, budget: int | None = None) -> int:
    """The images per forward pass: ``batch_size``, or fewer when their activations exceed ``budget``."""
    per_image = 4 * sum(int(np.prod([d or 1 for d in t.shape])) for t in tensors)
    return max(1, min(int(batch_size), (budget or ACTIVATION_BUDGET) // max(1, per_image)))


def _split(batches, rows: int):
    """Each batch (``x`` or ``(x, labels)``) as slices of at most ``rows`` images."""
    for item in batches:
        x = item[0] if isinstance(item, tuple) else item
        if len(x) <= rows:
            yield x
            continue
        for start in range(0, len(x), rows):
            yield x[start:start + rows]


def stats_model(model, tensors):
    """A Keras model returning the activation of every non-input tensor, in ``tensors`` order.

    Cached per model (building and tracing it costs more than a calibration pass over 100 images).
    """
    import keras

    layers = tuple(t.output_layer for t in tensors if t.op != "INPUT")
    cached = _PROBES.get(model)
    if cached is not None and cached[0] == layers:
        return cached[1]
    outputs = [model.get_layer(name).output for name in layers]
    inputs = model.inputs if len(model.inputs) > 1 else model.inputs[0]   # called with a tensor
    probe = keras.Model(inputs, outputs, name=f"{model.name}_calibration")
    _PROBES[model] = (layers, probe)
    return probe


def model_inputs(model, images: np.ndarray, source: str = "the data", convention=None) -> np.ndarray:
    """uint8 images -> the model's float input (its input ``convention``, default pixel/255);
    a mismatch names both shapes."""
    shape = tuple(model.input_shape)
    try:
        from ..models.loading import check_input_compatible

        check_input_compatible(model, images.shape[1:], source=source)
        if convention is None or (convention.scale, convention.offset) == ((1.0 / 255.0,), (0.0,)):
            return to_model_input(images, shape)   # pixel/255, bit for bit as before
        from ..data.preprocess import adapt_images

        return convention.apply(adapt_images(images, shape[1], shape[3])).astype(np.float32)
    except ValueError as exc:
        raise CalibrationError(f"model {model.name} expects input shape {shape[1:]} but {source} has images of "
                               f"shape {tuple(images.shape[1:])}: {exc}") from None


def _array_batches(model, images: np.ndarray, batch_size: int, source: str, progress, convention=None):
    """uint8 ``images`` as model-input batches (``convention``, default pixel/255; progress reported here)."""
    n = len(images)
    progress.update(0, n, "collecting statistics")
    for start in range(0, n, batch_size):
        yield model_inputs(model, images[start:start + batch_size], source, convention)
        progress.update(min(n, start + batch_size), n, f"batch {start // batch_size + 1}/{-(-n // batch_size)}")


def collect_stats(model, tensors, batches, bins: int = DEFAULT_BINS, batch_size: int = 32,
                  progress=NULL_PROGRESS, source: str = "the data", in_graph: bool = True,
                  total: int | None = None, convention=None) -> tuple[dict, dict]:
    """Run ``model`` over ``batches``; return ``({tensor name: Histogram}, timing meta)``.

    ``batches``: an iterator of model-ready float batches ``x`` or ``(x, labels)`` (an image
    source's :meth:`batches`, which reports progress itself; ``total`` = its image count for
    messages), or, as before, uint8 ``images`` (N, H, W, C) taken through ``convention`` (default pixel/255).
    ``in_graph`` (default) bins every batch inside the TF graph (:mod:`.graph_stats`) and
    copies only min/max/counts out; ``in_graph=False`` copies every activation to numpy
    and calls :meth:`Histogram.update` (the reference; both give identical histograms).
    Raises :class:`NonFiniteError` naming the tensor and batch on NaN/Inf and
    :class:`CalibrationError` when images and model do not fit or there are none.
    """
    rows_max = rows_per_pass(tensors, batch_size)
    if isinstance(batches, np.ndarray):
        batch_size = rows_max
        if len(batches) == 0:
            raise CalibrationError(f"{source}: no calibration images")
        total = len(batches)
        batches = _array_batches(model, batches, batch_size, source, progress, convention)
    if rows_max < batch_size:   # a large model: the same images in sub-batches that fit ACTIVATION_BUDGET
        batches, batch_size = _split(batches, rows_max), rows_max
    probe = stats_model(model, tensors)
    step = graph_stats(model, tensors, probe, bins) if in_graph else None
    hists = {t.name: Histogram(bins) for t in tensors}
    ordered = [hists[t.name] for t in tensors]
    n_batches = -(-total // batch_size) if total else None
    t_forward = t_stats = 0.0
    recounts = fallbacks = 0
    n = b = 0
    for item in batches:
        progress.check_cancelled()
        x = np.asarray(item[0] if isinstance(item, tuple) else item, np.float32)
        rows = len(x)
        if rows == 0:
            continue
        if step is None and rows < batch_size and (n_batches is None or n_batches > 1):
            # predict_on_batch traces per shape: pad the last batch (padding dropped in _update_numpy)
            x = np.concatenate([x, np.repeat(x[-1:], batch_size - rows, axis=0)])
        first = n

        def where(t, b=b, first=first, rows=rows):
            what = "model input" if t.op == "INPUT" else f"layer {t.output_layer}"
            of = f" of {n_batches}" if n_batches else ""
            return f"tensor {t.name} ({what}), batch {b + 1}{of} (images {first}..{first + rows - 1})"

        t0 = time.perf_counter()
        if step is None:
            _update_numpy(probe, tensors, hists, x, rows, where)
            t_forward += time.perf_counter() - t0
        else:
            res = step(x, ordered)
            t1 = time.perf_counter()
            if res is None:   # the graph refused the batch (NaN/Inf): the numpy path names the tensor
                fallbacks += 1
                _update_numpy(probe, tensors, hists, x, rows, where)
            else:
                vmin, vmax, counts, lo, width, complete = res
                bad = [i for i in range(len(tensors)) if not (complete[i] and np.isfinite(vmin[i])
                                                                  and np.isfinite(vmax[i]))]
                if bad:   # NaN/Inf or a value off the grid: the numpy path names it, or counts it exactly
                    fallbacks += 1
                    _update_numpy(probe, [tensors[i] for i in bad], hists, x, rows, where, all_tensors=tensors)
                skip = set(bad)
                pending = [i for i in range(len(tensors)) if i not in skip
                           and not ordered[i].add_binned(counts[i], vmin[i], vmax[i], lo[i], width[i])]
                if pending:   # the graph grew a range differently: recount on the histogram's own (grown) range
                    recounts += 1
                    res = step(x, ordered)
                    if res is not None:
                        vmin, vmax, counts, lo, width, complete = res
                        pending = [i for i in pending if not (complete[i] and ordered[i].add_binned(
                            counts[i], vmin[i], vmax[i], lo[i], width[i]))]
                    if pending:   # still no agreement (never seen): count these tensors exactly in numpy
                        fallbacks += 1
                        _update_numpy(probe, [tensors[i] for i in pending], hists, x, rows, where,
                                      all_tensors=tensors)
            t_forward += t1 - t0
            t_stats += time.perf_counter() - t1
        n += rows
        b += 1
    if n == 0:
        raise CalibrationError(f"{source}: no calibration images")
    return hists, {"n_images": n, "batch_size": batch_size, "forward_s": t_forward, "stats_s": t_stats,
                   "in_graph": bool(in_graph), "recounts": recounts, "numpy_fallbacks": fallbacks}


def _update_numpy(probe, tensors, hists, x, rows, where, all_tensors=None) -> None:
    """The reference path: activations to numpy, :meth:`Histogram.update` on each."""
    order = [t for t in (all_tensors or tensors) if t.op != "INPUT"]
    wanted = {t.name for t in tensors}
    for t in tensors:
        if t.op == "INPUT":
            hists[t.name].update(x[:rows], where=where(t))
    if all(t.op == "INPUT" for t in tensors):     # the input alone needs no forward pass
        return
    outs = probe.predict_on_batch(x)
    if not isinstance(outs, (list, tuple)):
        outs = [outs]
    for t, out in zip(order, outs, strict=True):
        if t.name in wanted:
            hists[t.name].update(np.asarray(out)[:rows], where=where(t))


__all__ = ["collect_stats", "rows_per_pass", "stats_model", "model_inputs", "CalibrationError", "NonFiniteError"]
