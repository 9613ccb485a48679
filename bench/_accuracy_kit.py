"""Shared by the accuracy benchmarks (bench_accuracy.py, bench_ablation.py): the evaluation set and the
guarantee that no calibration image is also an evaluation image."""

from __future__ import annotations

import numpy as np


def eval_set(spec: str, data_range: str | None = None, limit: int | None = None):
    """(dataset, label): ``spec`` (test split by default), optionally images START:END, then the first ``limit``."""
    from core.data import load_dataset

    ds, label = load_dataset(spec, default_split="test"), spec
    if data_range:
        start, end = (int(v) for v in data_range.split(":"))
        ds = ds.subset(np.arange(start, min(end, len(ds))))
        label = f"{spec}[{start}:{end}]"
    if limit:
        ds = ds.subset(np.arange(min(limit, len(ds))))
        label = f"{label} (first {len(ds)})"
    return ds, label


def refuse_overlap(calib_spec: str, per_class, eval_ds) -> None:
    """SystemExit when an image of the calibration set is also in ``eval_ds`` (compared byte for byte)."""
    from core.calibrate import calibration_images

    keys = {im.tobytes() for im in eval_ds.images}
    overlap = sum(im.tobytes() in keys for im in calibration_images(calib_spec, per_class).images)
    if overlap:
        raise SystemExit(f"{overlap} calibration images are also evaluation images: refusing")
