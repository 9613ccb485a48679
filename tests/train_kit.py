"""Helpers the training tests share (``from train_kit import make_folder``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def make_folder(root: Path, per_class: int = 12, size: int = 32) -> Path:
    """Two learnable classes of small RGB PNGs (dark vs light noise), plus a hidden folder that is no class."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for name, mean in (("dark", 60), ("light", 190)):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = np.clip(rng.normal(mean, 40, (size, size, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i:03d}.png")
    (root / ".cache").mkdir()
    return root
