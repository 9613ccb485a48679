"""The in-memory dataset every command works on."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Dataset:
    """Images as uint8 ``(N, H, W, C)`` and integer labels ``(N,)``.

    Images stay uint8 until :func:`core.data.preprocess.to_model_input` adapts them
    to a model, so the same data feeds models of any input size or channel count.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: list[str] = field(default_factory=list)
    source: str = ""

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

    def subset(self, index) -> "Dataset":
        return Dataset(self.images[index], self.labels[index], list(self.class_names), self.source)

    def per_class(self, n: int, seed: int = 0) -> "Dataset":
        """The first ``n`` images of every class (deterministic; ``seed`` shuffles first)."""
        order = np.random.default_rng(seed).permutation(len(self)) if seed else np.arange(len(self))
        picked = []
        for c in range(self.num_classes):
            picked.extend(order[self.labels[order] == c][:n].tolist())
        return self.subset(np.sort(np.asarray(picked, dtype=np.int64)))

    def limit(self, n: int | None) -> "Dataset":
        return self if n is None or n >= len(self) else self.subset(np.arange(n))
