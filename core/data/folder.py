"""ImageNet-style folder trees ``ROOT/<class>/<image>``: the file list.

Class index = the sorted class-folder names. For ILSVRC2012 synset folders
(``n01440764`` ... ``n15075141``) that is exactly the order of keras.applications'
1,000 ImageNet outputs (index 0 = n01440764 tench, 999 = n15075141 toilet tissue).
Class folders are listed with ``os.scandir``, recursively (images in sub-folders of a class folder
belong to it), files kept by suffix (``IMAGE_SUFFIXES``), without a per-file ``stat``; names
starting with ``.`` (``.cache/``, ``.DS_Store``) are neither classes nor images. Nothing is decoded here.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .files import FileSource
from .transform import IMAGE_SUFFIXES


def _is_image(name: str) -> bool:
    dot = name.rfind(".")
    return dot > 0 and not name.startswith(".") and name[dot:].lower() in IMAGE_SUFFIXES


def list_images(folder: str) -> list[str]:
    """Sorted image file names directly in ``folder`` (suffix filter, hidden names skipped)."""
    return sorted(name for name in os.listdir(folder) if _is_image(name))


def list_images_below(folder: str) -> list[str]:
    """Sorted image paths relative to ``folder``, in it and in its sub-folders at any depth, as Keras's
    ``image_dataset_from_directory`` and torchvision's ``ImageFolder`` take a class folder.

    ``os.scandir`` tells folders from files by the directory entry's type, so no file is stat-ed;
    hidden names are skipped and a folder reached twice through symbolic links is listed once."""
    out: list[str] = []
    seen: set[str] = set()
    stack = [(folder, "")]
    while stack:
        path, rel = stack.pop()
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        with os.scandir(path) as it:
            for e in it:
                name = e.name
                if name.startswith("."):
                    continue
                if _is_image(name):
                    out.append(rel + name)
                elif e.is_dir():
                    stack.append((e.path, rel + name + os.sep))
    out.sort()
    return out


def list_tree(root: str | Path) -> tuple[list[str], np.ndarray, list[str]]:
    """``(paths, labels, class names)`` of ``root/<class>/[sub-folders/]<image>``; classes = sorted folder names."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    with os.scandir(root) as it:
        classes = sorted(e.name for e in it if not e.name.startswith(".") and e.is_dir())
    if not classes:
        raise ValueError(f"{root}: no class sub-folders (expected ROOT/<class>/<image>)")
    paths, counts = [], []
    base = str(root)
    for name in classes:
        folder = os.path.join(base, name)
        names = list_images_below(folder)
        if not names:
            raise ValueError(f"{folder}: class folder has no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        prefix = folder + os.sep
        paths.extend(prefix + n for n in names)
        counts.append(len(names))
    labels = np.repeat(np.arange(len(classes), dtype=np.int64), counts)
    return paths, labels, classes


def load_folder(root: str | Path, skip_bad: bool = False, warn=None) -> FileSource:
    paths, labels, classes = list_tree(root)
    return FileSource(paths, labels, classes, f"folder:{root}", skip_bad=skip_bad, warn=warn)


__all__ = ["list_tree", "list_images", "list_images_below", "load_folder"]
