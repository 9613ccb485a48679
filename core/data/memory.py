"""The small in-memory sets (embedded, fashion-mnist, cifar10) as an image source.

The images stay uint8 ``(N, H, W, C)`` in ``Dataset.images`` (code that needs the
array may use it); :meth:`Dataset.batches` adapts them to a model batch by batch
(bilinear resize to the model's size, channel conversion, then the model's input
convention), so the same data feeds models of any input size or channel count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..progress import NULL_PROGRESS
from .source import RateMeter, check_limit, per_class_index, pixel_batches


@dataclass
class Dataset:
    """Images as uint8 ``(N, H, W, C)`` and integer labels ``(N,)``; see :mod:`core.data.source`."""

    images: np.ndarray
    labels: np.ndarray
    class_names: list[str] = field(default_factory=list)
    source: str = ""
    skipped: list = field(default_factory=list)

    def __post_init__(self):
        if self.images.ndim == 3:
            self.images = self.images[..., None]
        if self.images.ndim != 4:
            raise ValueError(f"{self.source or 'dataset'}: images must be (N, H, W, C), got shape {self.images.shape}")
        if len(self.images) != len(self.labels):
            raise ValueError(
                f"{self.source or 'dataset'}: {len(self.images)} images but {len(self.labels)} labels"
            )
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if not self.class_names:
            n = int(self.labels.max()) + 1 if len(self.labels) else 0
            self.class_names = [str(i) for i in range(n)]

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def image_shape(self) -> tuple:
        return tuple(self.images.shape[1:])

    def subset(self, index) -> Dataset:
        return Dataset(self.images[index], self.labels[index], list(self.class_names), self.source)

    def per_class(self, n: int, seed: int = 0) -> Dataset:
        """The first ``n`` images of every class (deterministic; ``seed`` shuffles first)."""
        return self.subset(per_class_index(self.labels, self.num_classes, n, seed))

    def limit(self, n: int | None) -> Dataset:
        check_limit(n)
        return self if n is None or n >= len(self) else self.subset(np.arange(n))

    def files(self):
        return None

    def batches(self, size: int, channels: int, convention, batch_size: int = 32, progress=NULL_PROGRESS,
                quantize=None):
        """``(x float32 (B, size, size, channels), labels int64 (B,))``: resized, converted, ``convention`` applied.

        ``quantize=(scale, zero_point, dtype)``: x quantized to that integer dtype (a LiteRT input) instead.
        """
        from .preprocess import adapt_images

        if batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {batch_size}")
        progress = progress or NULL_PROGRESS
        n = len(self)
        meter = RateMeter(n)
        progress.update(0, n, meter.message(0))
        for start in range(0, n, batch_size):
            progress.check_cancelled()
            x = adapt_images(self.images[start:start + batch_size], size, channels)
            x = convention.apply(x)
            if quantize is not None:
                scale, zero_point, dtype = quantize
                info = np.iinfo(dtype)
                x = np.clip(np.round(x / np.float32(scale)) + zero_point, info.min, info.max).astype(dtype)
            yield x, self.labels[start:start + batch_size]
            done = min(n, start + batch_size)
            progress.update(done, n, meter.message(done))


def to_memory(src, size: int, channels: int, progress=None):
    """An in-memory :class:`Dataset` of ``src`` decoded at ``size`` (uint8, N*size*size*C bytes).

    For code that needs the array (training); streaming consumers use ``batches``.
    """
    if getattr(src, "images", None) is not None:
        return src
    parts, labels = [], []
    for x, y in pixel_batches(src, size, channels, progress=progress):
        parts.append(x)
        labels.append(y)
    if not parts:
        raise ValueError(f"{src.source}: no readable images")
    return Dataset(np.concatenate(parts), np.concatenate(labels), list(src.class_names), src.source)
