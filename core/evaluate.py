"""Evaluate a classifier on the host: accuracy, per-class accuracy, latency, agreement.

Works on a .tflite (LiteRT, XNNPACK, ``threads`` threads; int8 inputs are
quantized with the model's own input scale and zero point) or a Keras model
(.keras/.h5/SavedModel, or a model object). Latency is measured per single-image
invoke, warm-up invokes excluded; for Keras models it is measured on a sample of
single-image calls (Keras is not what runs on the phone).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .progress import NULL_PROGRESS, Progress

WARMUP = 5
KERAS_LATENCY_SAMPLES = 30


@dataclass
class EvalResult:
    model: str
    kind: str                       # "int8 tflite", "float tflite" or "keras"
    data: str
    n_images: int
    top1: float                     # fractions in [0, 1]
    top5: float
    per_class: dict[str, float]
    latency_ms_median: float
    latency_ms_p90: float
    size_bytes: int | None = None
    threads: int = 1
    agreement: float | None = None  # fraction of images with the reference's top-1
    reference: str | None = None
    predictions: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "predictions"}
        return d


def _topk(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    k = min(k, scores.shape[1])
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(np.mean(np.any(top == labels[:, None], axis=1))) if len(labels) else float("nan")


def _per_class(pred: np.ndarray, labels: np.ndarray, names: list[str]) -> dict[str, float]:
    out = {}
    for c, name in enumerate(names):
        m = labels == c
        if m.any():
            out[name] = float(np.mean(pred[m] == c))
    return out


def run_tflite(path, images_u8: np.ndarray, threads: int = 1, progress: Progress = NULL_PROGRESS):
    """Scores (float, dequantized) for every image and per-invoke latencies in ms."""
    from .data import to_model_input
    from .export.litert import dequantize, load_interpreter, quantize_input

    interp = load_interpreter(path, threads=threads)
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    x = to_model_input(images_u8, inp["shape"])
    scale, zp = out["quantization"]
    scores = np.empty((len(x), int(np.prod(out["shape"][1:]))), np.float32)
    times = []
    for _ in range(min(WARMUP, len(x))):
        interp.set_tensor(inp["index"], quantize_input(x[:1], inp))
        interp.invoke()
    for i in range(len(x)):
        interp.set_tensor(inp["index"], quantize_input(x[i:i + 1], inp))
        t0 = time.perf_counter()
        interp.invoke()
        times.append((time.perf_counter() - t0) * 1000.0)
        scores[i] = dequantize(interp.get_tensor(out["index"]), scale, zp).reshape(-1)
        if i % 100 == 0:
            progress.update(i, len(x), f"image {i}/{len(x)}")
    progress.update(len(x), len(x), "done")
    kind = "int8 tflite" if np.dtype(inp["dtype"]) == np.int8 else "float tflite"
    return scores, np.asarray(times), kind


def run_keras(model, images_u8: np.ndarray, progress: Progress = NULL_PROGRESS, batch_size: int = 256):
    from .data import to_model_input

    x = to_model_input(images_u8, model.input_shape)
    parts = []
    for i in range(0, len(x), batch_size):
        parts.append(np.asarray(model(x[i:i + batch_size], training=False)))
        progress.update(min(i + batch_size, len(x)), len(x), f"image {min(i + batch_size, len(x))}/{len(x)}")
    scores = np.concatenate(parts) if parts else np.zeros((0, model.output_shape[-1]), np.float32)
    times = []
    n = min(len(x), KERAS_LATENCY_SAMPLES + WARMUP)
    for i in range(n):
        t0 = time.perf_counter()
        model(x[i:i + 1], training=False)
        if i >= WARMUP:
            times.append((time.perf_counter() - t0) * 1000.0)
    return scores, np.asarray(times), "keras"


def predict(model, images_u8: np.ndarray, threads: int = 1, progress: Progress = NULL_PROGRESS):
    """(scores, latencies_ms, kind, name, size) for a .tflite path, a Keras file or a Keras model object."""
    if isinstance(model, (str, Path)):
        p = Path(model)
        if p.suffix.lower() == ".tflite":
            if not p.exists():
                raise FileNotFoundError(f"{p}: no such model file")
            from .export.integrity import check_export

            check_export(p)            # a file qftune exported must still be the file it verified
            scores, times, kind = run_tflite(p, images_u8, threads, progress)
            return scores, times, kind, str(p), p.stat().st_size
        from .models.loading import load_model

        keras_model = load_model(p)
        scores, times, kind = run_keras(keras_model, images_u8, progress)
        return scores, times, kind, str(p), p.stat().st_size if p.is_file() else None
    scores, times, kind = run_keras(model, images_u8, progress)
    return scores, times, kind, getattr(model, "name", "model"), None


def evaluate(model, data="embedded:eval", threads: int = 1, reference=None, limit: int | None = None,
             progress: Progress = NULL_PROGRESS, dataset=None) -> EvalResult:
    """Evaluate ``model`` (path or Keras object) on ``data`` (a spec, or ``dataset``)."""
    from .data import load_dataset

    ds = dataset if dataset is not None else load_dataset(data, default_split="test")
    ds = ds.limit(limit)
    if len(ds) == 0:
        raise ValueError(f"{data}: no images to evaluate on")
    span = 0.5 if reference is not None else 1.0
    if reference is not None and isinstance(model, (str, Path)) and isinstance(reference, (str, Path)) \
            and Path(reference).suffix.lower() != ".tflite":
        from .export.integrity import check_export

        check_export(model, source_model=reference)     # agreement with another model means nothing
    scores, times, kind, name, size = predict(model, ds.images, threads, progress.sub(0, span, 1))
    if scores.shape[1] < ds.num_classes:
        raise ValueError(f"{name}: the model has {scores.shape[1]} outputs but {data} has {ds.num_classes} classes")
    pred = np.argmax(scores, axis=1)
    res = EvalResult(model=name, kind=kind, data=str(data if dataset is None else ds.source or data), n_images=len(ds),
                     top1=_topk(scores, ds.labels, 1), top5=_topk(scores, ds.labels, 5),
                     per_class=_per_class(pred, ds.labels, ds.class_names),
                     latency_ms_median=float(np.median(times)) if len(times) else float("nan"),
                     latency_ms_p90=float(np.percentile(times, 90)) if len(times) else float("nan"),
                     size_bytes=size, threads=threads, predictions=pred)
    if reference is not None:
        ref_scores, *_rest, ref_name, _ = predict(reference, ds.images, threads, progress.sub(0.5, 0.5, 1))
        res.agreement = float(np.mean(np.argmax(ref_scores, axis=1) == pred))
        res.reference = ref_name
    return res


def format_result(r: EvalResult) -> str:
    lines = [f"{r.model} ({r.kind}) on {r.data}: {r.n_images} images",
             f"  top-1 {r.top1 * 100:.2f}%   top-5 {r.top5 * 100:.2f}%",
             f"  latency per image: median {r.latency_ms_median:.3f} ms, p90 {r.latency_ms_p90:.3f} ms "
             f"({r.threads} thread{'s' if r.threads != 1 else ''})"]
    if r.size_bytes:
        lines.append(f"  size {r.size_bytes / 1024:.1f} KiB")
    if r.agreement is not None:
        lines.append(f"  agreement with {r.reference}: {r.agreement * 100:.2f}% same top-1")
    lines.append("  per class: " + ", ".join(f"{k} {v * 100:.1f}%" for k, v in r.per_class.items()))
    return "\n".join(lines)
