"""Fashion-MNIST from Debian's ``dataset-fashion-mnist`` (or any folder of the 4 IDX files)."""

from __future__ import annotations

from pathlib import Path

from .idx import read_idx
from .memory import Dataset

DEFAULT_PATH = Path("/usr/share/datasets/fashion-mnist")
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
_FILES = {"train": "train-{}-idx{}-ubyte", "test": "t10k-{}-idx{}-ubyte"}


def _find(folder: Path, stem: str) -> Path:
    for name in (stem + ".gz", stem):
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(
        f"{folder / (stem + '.gz')}: not found. Install Debian's dataset-fashion-mnist "
        "(apt-get install dataset-fashion-mnist) or pass --path to a folder with the IDX files"
    )


def load_fashion_mnist(split: str = "train", path: str | Path | None = None) -> Dataset:
    if split not in _FILES:
        raise ValueError(f"fashion-mnist split must be 'train' or 'test', got {split!r}")
    folder = Path(path) if path else DEFAULT_PATH
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder}: no such folder. Install Debian's dataset-fashion-mnist or pass --path"
        )
    images = read_idx(_find(folder, _FILES[split].format("images", 3)))
    labels = read_idx(_find(folder, _FILES[split].format("labels", 1)))
    return Dataset(images[..., None], labels, list(CLASS_NAMES), f"fashion-mnist:{split}")
