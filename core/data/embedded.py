"""The small Fashion-MNIST subset bundled in ``resources/embedded.npz`` (MIT licence).

``calib``: 10 images per class from the training split; ``eval``: 2,000 test images.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from ..resources import resource_path
from .memory import Dataset

EMBEDDED_FILE = "embedded.npz"
SPLITS = {"train": "calib", "calib": "calib", "test": "eval", "eval": "eval"}


@cache
def _load(split: str):
    with np.load(resource_path(EMBEDDED_FILE)) as z:
        return z[f"{split}_images"], z[f"{split}_labels"], [str(n) for n in z["class_names"]]


def load_embedded(split: str = "calib") -> Dataset:
    try:
        key = SPLITS[split]
    except KeyError:
        raise ValueError(f"embedded split must be one of calib (train) or eval (test), got {split!r}") from None
    images, labels, names = _load(key)
    return Dataset(images.copy(), labels.copy(), names, f"embedded:{key}")
