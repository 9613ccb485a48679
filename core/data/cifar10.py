"""CIFAR-10 in its "python version" pickle batches (``data_batch_1..5``, ``test_batch``)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from .memory import Dataset


def load_cifar10(root: str | Path, split: str = "train") -> Dataset:
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder (expected the cifar-10-batches-py folder)")
    names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
    if split not in ("train", "test"):
        raise ValueError(f"cifar10 split must be 'train' or 'test', got {split!r}")
    images, labels = [], []
    for name in names:
        path = root / name
        if not path.exists():
            raise FileNotFoundError(f"{path}: missing CIFAR-10 batch")
        try:
            with open(path, "rb") as f:
                batch = pickle.load(f, encoding="bytes")
            data = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
            images.append(data)
            labels.append(np.asarray(batch[b"labels"]))
        except Exception as exc:  # any unpickling/shape problem is the file's fault
            raise ValueError(f"{path}: not a CIFAR-10 python batch ({exc})") from None
    class_names = [str(i) for i in range(10)]
    meta = root / "batches.meta"
    if meta.exists():
        try:
            with open(meta, "rb") as f:
                class_names = [n.decode() for n in pickle.load(f, encoding="bytes")[b"label_names"]]
        except Exception as exc:
            raise ValueError(f"{meta}: unreadable CIFAR-10 metadata ({exc})") from None
    return Dataset(np.concatenate(images), np.concatenate(labels), class_names, f"cifar10:{root}")
