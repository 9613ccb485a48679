"""Evaluate a classifier on the host: accuracy, per-class accuracy, latency, agreement.

Works on a .tflite (LiteRT, XNNPACK, ``threads`` threads; int8 inputs are
quantized with the model's own input scale and zero point) or a Keras model
(.keras/.h5/SavedModel, or a model object). Images are streamed from the data
source in batches (bounded memory: only predicted classes and top-5 hits are kept)
and fed through the model's input convention (:mod:`core.model_input`).
Latency is measured per single-image LiteRT invoke, warm-up invokes excluded; a Keras
model has none (None: an eager Keras call is not what runs on the phone, so its time would
mislead), and neither has a run with no timed invoke. Never NaN.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .progress import NULL_PROGRESS, Progress

WARMUP = 5


@dataclass
class EvalResult:
    model: str
    kind: str                       # "int8 tflite", "float tflite" or "keras"
    data: str
    n_images: int
    top1: float                     # fractions in [0, 1]
    top5: float
    per_class: dict[str, float]
    latency_ms_median: float | None    # LiteRT only; None for a Keras model or a simulated one
    latency_ms_p90: float | None
    size_bytes: int | None = None
    threads: int = 1
    agreement: float | None = None  # fraction of images with the reference's top-1
    reference: str | None = None
    predictions: np.ndarray | None = field(default=None, repr=False)
    input_convention: dict | None = None
    skipped_images: int = 0
    simulated: bool = False         # a session's plan through the simulated int8 model, not an exported file
    weights: str | None = None      # the simulation's weight granularity
    simulation_s: float | None = None
    class_index: dict[str, int] | None = None   # per_class's classes -> their model output index

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "predictions"}
        return d


BATCH = 32


@dataclass
class _Run:
    """What one pass over the data keeps: predicted class, top-5 hit and label per image, latencies."""

    kind: str = ""
    convention: object = None
    preds: list = field(default_factory=list)
    top5: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    times: list = field(default_factory=list)

    def add(self, scores: np.ndarray, labels: np.ndarray) -> None:
        scores = scores.reshape(len(scores), -1)     # (B, 1, 1, K) heads too; check_classifier vetted the shape
        k = min(5, scores.shape[1])
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        self.preds.append(top[:, 0])
        self.top5.append(np.any(top == labels[:, None], axis=1))
        self.labels.append(np.asarray(labels, np.int64))

    def arrays(self):
        def cat(parts, dt):
            return np.concatenate(parts) if parts else np.zeros(0, dt)

        return cat(self.preds, np.int64), cat(self.top5, bool), cat(self.labels, np.int64)


def _per_class(pred: np.ndarray, labels: np.ndarray, names: list[str]) -> dict[str, float]:
    """{class name: top-1} of the classes present (in output order)."""
    out = {}
    for c in np.unique(labels):
        m = labels == c
        out[names[c]] = float(np.mean(pred[m] == c))
    return out


def run_tflite(path, src, threads: int = 1, progress: Progress = NULL_PROGRESS, convention=None,
               warn=None, twin_of=None) -> _Run:
    """Stream ``src`` through the .tflite: one single-image invoke per image, latencies in ms.
    ``twin_of``: the int8 .tflite this may be the float twin of (whose report has its convention)."""
    from .data.classes import check_classifier
    from .export.litert import dequantize, load_interpreter, quantize_input
    from .models.convention import resolve_convention

    interp = load_interpreter(path, threads=threads)
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    shape = [int(v) for v in inp["shape"]]
    if len(shape) != 4 or shape[1] != shape[2]:
        raise ValueError(f"{path}: expected a square image input (1, H, W, C), got shape {shape}")
    if len(interp.get_output_details()) != 1:
        raise ValueError(f"{path}: the model has {len(interp.get_output_details())} outputs; a classifier has one")
    check_classifier([int(v) for v in out["shape"]], src, str(path))
    run = _Run("int8 tflite" if np.dtype(inp["dtype"]) == np.int8 else "float tflite")
    run.convention = resolve_convention(model_path=path, user=convention, warn=warn, input_detail=inp, twin_of=twin_of)
    scale, zp = out["quantization"]
    warm = False
    dtype = np.dtype(inp["dtype"])
    quantize = (float(inp["quantization"][0]), int(inp["quantization"][1]), dtype) \
        if dtype in (np.int8, np.uint8) else None
    for x, y in src.batches(shape[1], shape[3], run.convention, BATCH, progress, quantize=quantize):
        q = x if quantize is not None else quantize_input(x, inp)
        if not warm:
            for _ in range(WARMUP):
                interp.set_tensor(inp["index"], q[:1])
                interp.invoke()
            warm = True
        scores = np.empty((len(q), int(np.prod(out["shape"][1:]))), np.float32)
        for i in range(len(q)):
            interp.set_tensor(inp["index"], q[i:i + 1])
            t0 = time.perf_counter()
            interp.invoke()
            run.times.append((time.perf_counter() - t0) * 1000.0)
            scores[i] = dequantize(interp.get_tensor(out["index"]), scale, zp).reshape(-1)
        run.add(scores, y)
    return run


def run_keras(model, src, progress: Progress = NULL_PROGRESS, convention=None, model_path=None,
              warn=None, batch_size: int = BATCH) -> _Run:
    """Stream ``src`` through a Keras model in batches (no latency: see the module docstring)."""
    from .calibrate import model_image_size
    from .data.classes import check_classifier
    from .models.convention import resolve_convention

    check_classifier(model.output_shape, src, str(model_path or getattr(model, "name", "model")))
    run = _Run("keras", resolve_convention(model, model_path, convention, warn))
    size, channels = model_image_size(model, src.source, getattr(src, "image_shape", None))
    for x, y in src.batches(size, channels, run.convention, batch_size, progress):
        run.add(np.asarray(model(x, training=False)), y)
    return run


def predict(model, src, threads: int = 1, progress: Progress = NULL_PROGRESS, convention=None, warn=None,
            twin_of=None):
    """(:class:`_Run`, name, size) for a .tflite path, a Keras file or a Keras model object
    (``twin_of``: see :func:`run_tflite`)."""
    if isinstance(model, (str, Path)):
        p = Path(model)
        if p.suffix.lower() == ".tflite":
            if not p.exists():
                raise FileNotFoundError(f"{p}: no such model file")
            from .export.report import check_export

            check_export(p)            # a file qftune exported must still be the file it verified
            return run_tflite(p, src, threads, progress, convention, warn, twin_of), str(p), p.stat().st_size
        from .models.loading import load_model

        keras_model = load_model(p)
        run = run_keras(keras_model, src, progress, convention, p, warn)
        return run, str(p), p.stat().st_size if p.is_file() else None
    return run_keras(model, src, progress, convention, None, warn), getattr(model, "name", "model"), None


def evaluate(model, data="embedded:eval", threads: int = 1, reference=None, limit: int | None = None,
             progress: Progress = NULL_PROGRESS, dataset=None, convention=None, skip_bad: bool = False,
             warn=None) -> EvalResult:
    """Evaluate ``model`` (path or Keras object) on ``data`` (a spec, or an image source ``dataset``).

    ``convention`` overrides the model's input convention (and the reference's);
    ``skip_bad`` skips unreadable image files (reported through ``warn``, counted in the result).
    """
    from .data import load_dataset

    ds = dataset if dataset is not None else load_dataset(data, default_split="test", skip_bad=skip_bad, warn=warn)
    ds = ds.limit(limit)
    if len(ds) == 0:
        raise ValueError(f"{data}: no images to evaluate on")
    span = 0.5 if reference is not None else 1.0
    if reference is not None and isinstance(model, (str, Path)) and isinstance(reference, (str, Path)) \
            and Path(reference).suffix.lower() != ".tflite":
        from .export.report import check_export

        check_export(model, source_model=reference)     # agreement with another model means nothing
    run, name, size = predict(model, ds, threads, progress.sub(0, span, 1), convention, warn)
    pred, hit5, labels = run.arrays()
    times = np.asarray(run.times)
    res = EvalResult(model=name, kind=run.kind, data=str(data if dataset is None else ds.source or data),
                     n_images=len(labels),
                     top1=float(np.mean(pred == labels)) if len(labels) else float("nan"),
                     top5=float(np.mean(hit5)) if len(labels) else float("nan"),
                     per_class=_per_class(pred, labels, ds.class_names),
                     class_index={ds.class_names[c]: int(c) for c in np.unique(labels)},
                     latency_ms_median=float(np.median(times)) if len(times) else None,
                     latency_ms_p90=float(np.percentile(times, 90)) if len(times) else None,
                     size_bytes=size, threads=threads, predictions=pred,
                     input_convention=run.convention.to_dict() if run.convention is not None else None,
                     skipped_images=len(ds.skipped))
    if reference is not None:
        twin_of = model if isinstance(model, (str, Path)) else None
        ref_run, ref_name, _ = predict(reference, ds, threads, progress.sub(0.5, 0.5, 1), convention, warn, twin_of)
        ref_pred, _, ref_labels = ref_run.arrays()
        if len(ref_pred) != len(pred):
            raise ValueError(f"{data}: {len(pred)} images were read for {name} but {len(ref_pred)} for {ref_name}")
        res.agreement = float(np.mean(ref_pred == pred))
        res.reference = ref_name
    return res


def format_result(r: EvalResult) -> str:
    lines = [f"{r.model} ({r.kind}) on {r.data}: {r.n_images} images",
             f"  top-1 {r.top1 * 100:.2f}%   top-5 {r.top5 * 100:.2f}%"]
    if r.simulated:
        lines.append(f"  simulated int8 (the plan's exact quantization in TensorFlow, {r.weights} weights; "
                     f"nothing exported, no latency): {r.simulation_s:.1f} s")
    elif r.latency_ms_median is not None:
        lines.append(f"  latency per image: median {r.latency_ms_median:.3f} ms, p90 {r.latency_ms_p90:.3f} ms "
                     f"({r.threads} thread{'s' if r.threads != 1 else ''})")
    elif r.kind == "keras":
        lines.append("  latency: not measured for a Keras model (export it and evaluate the .tflite)")
    if r.size_bytes:
        lines.append(f"  size {r.size_bytes / 1024:.1f} KiB")
    if r.agreement is not None:
        lines.append(f"  agreement with {r.reference}: {r.agreement * 100:.2f}% same top-1")
    if r.input_convention:
        from .models.convention import InputConvention

        lines.append(f"  input: {InputConvention.from_dict(r.input_convention).describe()}")
    if r.skipped_images:
        lines.append(f"  skipped {r.skipped_images} unreadable image file(s) (--skip-bad)")
    index = r.class_index or {}
    lines.append("  per class: " + ", ".join(f"{k}{f' [{index[k]}]' if k in index else ''} {v * 100:.1f}%"
                                            for k, v in r.per_class.items()))
    return "\n".join(lines)
