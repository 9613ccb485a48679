"""The top-level calibration: model + images -> statistics -> plan -> :class:`Session`."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from .calib.collect import CalibrationError, collect_stats
from .calib.histogram import DEFAULT_BINS
from .choosers import check_method
from .models.loading import load_model
from .plan import Plan
from .progress import NULL_PROGRESS
from .session import Session, model_hash, qftune_version

DEFAULT_CALIB_IMAGES = 1000
"""Default calibration size, balanced over the classes (docs/greedy.md, "How many calibration images").

Measured on a validation split of the Fashion-MNIST training set
(``bench/bench_validation.py``): with 10 images (one per class, as Qualcomm's entry used) greedy's
ranges fit the few calibration values so closely that on held-out activations their
error is *higher* than min/max's on most tensors; with 1,000 it is lower on 63-64 of
64 (QF) and 41-43 of 46 differing (original) tensors, and greedy's top-1 is >= min/max's
in 15 of 16 (model x weights x draw) cells. The embedded set holds only 100 (10 per class).
"""
AUTO = "auto"


def default_per_class(num_classes: int) -> int:
    """Images per class for :data:`DEFAULT_CALIB_IMAGES` in all (at least 1)."""
    return max(1, -(-DEFAULT_CALIB_IMAGES // max(1, num_classes)))


def calibration_images(data_spec: str = "embedded", per_class: int | str | None = AUTO, limit: int | None = None,
                       data_path=None, skip_bad: bool = False, warn=None):
    """The calibration images: ``per_class`` images of every class of the training split, then ``limit``.

    ``per_class="auto"`` (default): :func:`default_per_class` (1,000 images in all, balanced;
    every image of a smaller split such as the embedded 100); ``None``: every image.
    Returns an image source (:mod:`core.data.source`): a selection of the file list, nothing decoded.
    """
    from .data import load_dataset
    from .data.classes import present_classes

    if per_class not in (AUTO, None) and per_class < 1:
        raise ValueError(f"--per-class must be at least 1, got {per_class}")
    if limit is not None and limit < 1:
        raise ValueError(f"--limit must be at least 1, got {limit}")
    ds = load_dataset(data_spec, "train", path=data_path, skip_bad=skip_bad, warn=warn)
    if per_class == AUTO:    # over the classes present: an ImageNet subset has fewer than its 1,000 outputs
        per_class = default_per_class(present_classes(ds))
    if per_class is not None:
        ds = ds.per_class(per_class)
    ds = ds.limit(limit)
    if len(ds) == 0:
        raise CalibrationError(f"{data_spec}: no images to calibrate with")
    return ds


def model_image_size(model, source: str = "the data", image_shape=None) -> tuple[int, int]:
    """(size, channels) of a square image model; a clear error otherwise."""
    from .models.loading import check_input_compatible

    shape = tuple(model.input_shape)
    try:
        check_input_compatible(model, image_shape or (shape[1], shape[2], 3 if shape[-1] != 1 else 1), source=source)
    except ValueError as exc:
        raise CalibrationError(str(exc)) from None
    return int(shape[1]), int(shape[-1])


def calibrate(model_or_path, data_spec: str = "embedded", per_class: int | str | None = AUTO,
              limit: int | None = None, method: str = "greedy", gamma: float = 1.0, bins: int = DEFAULT_BINS,
              progress=NULL_PROGRESS, batch_size: int = 32, data_path=None, model_path=None,
              convention=None, skip_bad: bool = False, warn=None) -> Session:
    """Calibrate a Keras model (object or ``.keras`` path) on ``data_spec`` and choose all ranges.

    ``per_class`` images of each class of the training split (``"auto"``: 1,000 images in
    all, balanced, see :data:`DEFAULT_CALIB_IMAGES`; ``None``: all), then the first ``limit``.
    Returns an unsaved :class:`Session` (``session.save(path)``). ``model_path`` records
    the file a model object was loaded from. ``convention`` (an
    :class:`~core.models.convention.InputConvention`, e.g. from ``--input-scale``) overrides
    the model card / detected / assumed one (``warn(message)`` hears an assumption); it is
    recorded as ``calibration["input_convention"]`` and sets the input tensor's range.
    ``skip_bad``: skip unreadable image files (reported through ``warn``, counted in the session).
    """
    from .models.convention import resolve_convention
    from .models.normalize import normalize
    from .quant.tensors import quant_tensors

    check_method(method)
    if not gamma > 0:
        raise ValueError(f"gamma must be positive, got {gamma}")
    t_start = time.perf_counter()
    if isinstance(model_or_path, (str, Path)):
        model_path = Path(model_or_path)
        progress.update(0, 1, f"loading {model_path.name}")
        model = load_model(model_path)
    else:
        model = normalize(model_or_path)
    tensors = quant_tensors(model)
    if batch_size < 1:
        raise ValueError(f"--batch-size must be at least 1, got {batch_size}")
    ds = calibration_images(data_spec, per_class, limit, data_path, skip_bad=skip_bad, warn=warn)
    if per_class == AUTO:   # record the number used (the embedded set has only 10 per class), not the word
        counts = Counter(ds.labels.tolist())
        per_class = min(default_per_class(len(counts)), max(counts.values()))
    conv = resolve_convention(model, model_path, convention, warn)
    size, channels = model_image_size(model, f"dataset {data_spec}", getattr(ds, "image_shape", None))
    from .data.fit import WHAT_TO_DO, native_shape_problem

    problem = native_shape_problem(getattr(ds, "image_shape", None), size, channels, f"data {data_spec}", model.name)
    if problem is not None:       # never resized into the model: refused before any statistics are collected
        raise CalibrationError(f"{problem}; {WHAT_TO_DO}")
    hists, timing = collect_stats(model, tensors, ds.batches(size, channels, conv, batch_size, progress),
                                  bins=bins, batch_size=batch_size, progress=progress,
                                  source=f"dataset {data_spec}", total=len(ds))
    t_choose = time.perf_counter()
    plan = Plan(tensors, hists, method=method, gamma=gamma, input_range=conv.input_range)
    meta = {"data": data_spec, "per_class": per_class, "limit": limit, "method": method, "gamma": gamma,
            "bins": bins, "n_images": timing["n_images"], "qftune_version": qftune_version(),
            "input_convention": conv.to_dict(), "skipped_images": len(ds.skipped),
            "collect_s": round(timing["forward_s"] + timing["stats_s"], 4),
            "choose_s": round(time.perf_counter() - t_choose, 4),
            "total_s": round(time.perf_counter() - t_start, 4)}
    path = str(Path(model_path).resolve()) if model_path else None
    return Session(plan, path, model_hash(model_path) if model_path else None, meta)
