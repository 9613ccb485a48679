"""ImageNet-style folder trees: ``ROOT/<class>/<image>.jpg|png`` (the LPIRC layout)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .dataset import Dataset

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}


class BadImageError(ValueError):
    """A file in an image folder that cannot be decoded; ``path`` names it."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: not a readable image ({reason}); pass --skip-bad to skip such files")
        self.path = path


def load_folder(root: str | Path, size: int | None = None, skip_bad: bool = False, warn=None) -> Dataset:
    """Load every image under ``root``'s class sub-folders; class index = sorted folder names.

    Images are resized to ``size`` (or to the first image's size) so they stack.
    ``warn(message)`` is called for each skipped file when ``skip_bad`` is set.
    """
    from PIL import Image, UnidentifiedImageError

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir())
    if not classes:
        raise ValueError(f"{root}: no class sub-folders (expected ROOT/<class>/<image>)")
    images, labels = [], []
    for index, name in enumerate(classes):
        files = sorted(p for p in (root / name).iterdir() if p.is_file())
        loaded = 0
        for path in files:
            try:
                with Image.open(path) as im:
                    im.load()
                    im = im.convert("L" if im.mode in ("L", "I", "I;16", "1") else "RGB")
                    if size is None:
                        size = im.size[0]
                    arr = np.asarray(im.resize((size, size), Image.BILINEAR) if im.size != (size, size) else im)
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
                if not skip_bad:
                    raise BadImageError(path, str(exc) or type(exc).__name__) from None
                if warn:
                    warn(f"skipped {path}: not a readable image")
                continue
            images.append(arr if arr.ndim == 3 else arr[..., None])
            labels.append(index)
            loaded += 1
        if loaded == 0:
            raise ValueError(f"{root / name}: class folder has no readable images")
    channels = max(im.shape[-1] for im in images)
    images = [np.repeat(im, 3, axis=-1) if im.shape[-1] != channels else im for im in images]
    return Dataset(np.stack(images), np.asarray(labels), classes, f"folder:{root}")
