"""The image-source interface every command reads data through.

A source is a list of labelled images that can be *selected* cheaply (no decoding)
and *streamed* as model-ready batches in bounded memory::

    src = load_dataset("folder:/data/imagenet/val", "test")
    src = src.per_class(1).limit(500)              # picks from the file list, decodes nothing
    for x, y in src.batches(224, 3, convention, batch_size=32, progress=bar):
        ...                                        # x float32 (B, 224, 224, 3), y int64 (B,)

Two implementations: :class:`core.data.memory.Dataset` (the small in-memory sets:
embedded, fashion-mnist, cifar10; bilinear resize to the model) and
:class:`core.data.files.FileSource` (``folder:`` and ``imagenet:``; a file list,
then ``tf.data`` decode + the standard evaluation transform, see
:mod:`core.data.transform`).

Attributes and methods (both implementations):

- ``source`` (str), ``class_names``, ``num_classes``, ``labels`` (int64 ``(N,)``), ``len()``
- ``per_class(n, seed=0)``, ``limit(n)``, ``subset(index)`` -> a source of the same kind
- ``files()`` -> ``(paths, labels)`` for file-backed sources, ``None`` for in-memory ones
- ``batches(size, channels, convention, batch_size=32, progress=NULL_PROGRESS, quantize=None)``;
  ``quantize=(scale, zero_point, dtype)`` yields the integer input of an int8/uint8 model instead
  of floats (done on the pipeline's threads for files)
- ``skipped``: paths skipped as unreadable by the last ``batches`` pass (``skip_bad``)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Protocol

import numpy as np


class BadImageError(ValueError):
    """A file that cannot be decoded as an image; ``path`` names it."""

    def __init__(self, path, reason: str):
        super().__init__(f"{path}: not a readable image ({reason}); pass --skip-bad to skip such files")
        self.path = path


class ImageSource(Protocol):
    source: str
    class_names: list
    labels: np.ndarray
    skipped: list

    def __len__(self) -> int: ...

    @property
    def num_classes(self) -> int: ...

    def per_class(self, n: int, seed: int = 0) -> ImageSource: ...

    def limit(self, n: int | None) -> ImageSource: ...

    def subset(self, index) -> ImageSource: ...

    def files(self): ...

    def batches(self, size: int, channels: int, convention, batch_size: int = 32,
                progress=None) -> Iterator[tuple[np.ndarray, np.ndarray]]: ...


def per_class_index(labels: np.ndarray, num_classes: int, n: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of the first ``n`` items of every class (``seed``: shuffle first), vectorised.

    Linear in the number of items (1.28 M labels in well under a second), whatever the class count.
    """
    if n < 1:
        raise ValueError(f"--per-class must be at least 1, got {n}")
    labels = np.asarray(labels, np.int64)
    order = np.random.default_rng(seed).permutation(len(labels)) if seed else np.arange(len(labels))
    by_class = order[np.argsort(labels[order], kind="stable")]
    sorted_labels = labels[by_class]
    starts = np.searchsorted(sorted_labels, sorted_labels, side="left")
    rank = np.arange(len(by_class)) - starts
    return np.sort(by_class[rank < n])


def check_limit(n) -> None:
    if n is not None and n < 1:
        raise ValueError(f"--limit must be at least 1, got {n}")


class RateMeter:
    """images/s and the ETA for progress messages (``progress.update(done, total, meter.message(done))``)."""

    def __init__(self, total: int, what: str = "images"):
        self.total = int(total)
        self.what = what
        self.t0 = time.monotonic()

    def message(self, done: int) -> str:
        elapsed = time.monotonic() - self.t0
        rate = done / elapsed if elapsed > 0 and done else 0.0
        text = f"{done}/{self.total} {self.what}"
        if rate > 0:
            left = max(self.total - done, 0) / rate
            text += f", {rate:.1f} {self.what}/s, ETA {_clock(left)}"
        return text


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def pixel_batches(src, size: int, channels: int, batch_size: int = 32, progress=None):
    """Batches of uint8 pixels (the transform applied, no convention): for code that keeps them (sensitivity)."""
    from ..models.convention import InputConvention

    identity = InputConvention((1.0,), (0.0,), "pixels", "default")
    for x, y in src.batches(size, channels, identity, batch_size=batch_size, progress=progress):
        yield np.clip(np.rint(x), 0, 255).astype(np.uint8), y


__all__ = ["ImageSource", "BadImageError", "per_class_index", "check_limit", "RateMeter", "pixel_batches"]
