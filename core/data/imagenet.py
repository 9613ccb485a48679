"""``imagenet:PATH[:train|:val]``: ILSVRC2012 as distributed, without reorganising it.

PATH may be the ILSVRC2012 root holding ``train/`` and ``val/``, the Kaggle root holding
``ILSVRC/Data/CLS-LOC/{train,val}``, or a split folder itself. A split folder is either

- synset folders (``n01440764/...``), or
- the flat validation folder (``ILSVRC2012_val_00000001.JPEG`` ...) with one of these
  ground-truth files, looked for in the split folder, its parent, PATH and PATH's parent:

  1. ``LOC_val_solution.csv`` (Kaggle): ``ImageId,PredictionString``, the first word of
     the prediction string is the synset;
  2. ``imagenet_2012_validation_synset_labels.txt`` (TF-slim): one synset per line, line i
     for ``ILSVRC2012_val_{i:08d}``;
  3. ``ILSVRC2012_validation_ground_truth.txt`` (the devkit: one ILSVRC2012_ID 1..1000 per
     line) together with ``ILSVRC2012_synsets.txt``: the 1,000 synsets one per line in
     ILSVRC2012_ID order (the ``synsets`` table of the devkit's ``data/meta.mat``, which
     qftune does not read). The devkit's ID order is *not* the sorted order; a sorted list
     is refused because it would mislabel every image.

Labels, in both layouts: the synset's index in keras.applications' 1,000-class list
(:mod:`.classes`, n01440764 = 0 ... n15075141 = 999), whatever subset of synsets is present; the
source's ``class_names`` are all 1,000 synsets. A synset outside that list is an error naming it.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import numpy as np

from .classes import imagenet_indices, imagenet_synsets
from .files import FileSource
from .folder import list_images, list_tree

GROUND_TRUTH_FILES = ("LOC_val_solution.csv", "imagenet_2012_validation_synset_labels.txt",
                      "ILSVRC2012_validation_ground_truth.txt")
DEVKIT_SYNSETS = "ILSVRC2012_synsets.txt"
_SYNSET = re.compile(r"^n\d{8}$")
_NUMBER = re.compile(r"(\d+)$")


def split_folder(root: Path, split: str) -> Path:
    for candidate in (root / split, root / "ILSVRC" / "Data" / "CLS-LOC" / split, root / "Data" / "CLS-LOC" / split):
        if candidate.is_dir():
            return candidate
    return root


def load_imagenet(rest: str, default_split: str, skip_bad: bool = False, warn=None) -> FileSource:
    root_text, split = rest, ("val" if default_split == "test" else "train")
    head, sep, tail = rest.rpartition(":")
    if sep and tail in ("train", "val"):
        root_text, split = head, tail
    root = Path(root_text)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder (expected an ILSVRC2012 folder)")
    folder = split_folder(root, split)
    spec = f"imagenet:{root}:{split}"
    if list_images(folder):
        paths, labels = _flat(folder, root)
    else:
        paths, labels, synsets = list_tree(folder)
        labels = _synset_labels(folder, synsets)[labels]
    return FileSource(paths, labels, imagenet_synsets(), spec, skip_bad=skip_bad, warn=warn)


def _synset_labels(folder: Path, synsets: list[str]) -> np.ndarray:
    """keras.applications index of each synset folder; an unknown one is an error naming it."""
    try:
        return imagenet_indices(synsets, folder)
    except ValueError as exc:
        raise ValueError(f"{exc}; imagenet: takes synset folders only (folder:PATH takes any class names)") from None


def _flat(folder: Path, root: Path):
    names = list_images(folder)
    places = []
    for d in (folder, folder.parent, root, root.parent):
        if d not in places:
            places.append(d)
    for d in places:
        for gt in GROUND_TRUTH_FILES:
            if (d / gt).is_file():
                synsets = _read_ground_truth(d / gt, names)
                present = sorted(set(synsets.values()))
                index = dict(zip(present, imagenet_indices(present, d / gt).tolist(), strict=True))
                missing = [n for n in names if os.path.splitext(n)[0] not in synsets]
                if missing:
                    raise ValueError(f"{folder / missing[0]}: no entry in {d / gt} "
                                     f"({len(missing)} of {len(names)} images have none)")
                labels = np.fromiter((index[synsets[os.path.splitext(n)[0]]] for n in names), np.int64, len(names))
                return [str(folder / n) for n in names], labels
    raise FileNotFoundError(f"{folder}: a flat validation folder needs a ground-truth file ({', '.join(GROUND_TRUTH_FILES)}"
                            f") in {' or '.join(str(d) for d in places)}")


def _read_ground_truth(path: Path, names: list[str]) -> dict[str, str]:
    """image stem -> synset."""
    if path.name.endswith(".csv"):
        out = {}
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                try:
                    words = row["PredictionString"].split()
                    out[row["ImageId"]] = words[0]
                except (KeyError, IndexError, AttributeError):
                    raise ValueError(f"{path}: expected ImageId,PredictionString rows, got {row}") from None
        _check_synsets(path, out.values())
        return out
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    if path.name == "ILSVRC2012_validation_ground_truth.txt":
        table_path = path.parent / DEVKIT_SYNSETS
        if not table_path.is_file():
            raise FileNotFoundError(f"{path} gives ILSVRC2012_IDs; it needs {table_path}: the 1,000 synsets one per "
                                    "line in ILSVRC2012_ID order (meta.mat's synsets table)")
        table = [line.strip() for line in table_path.read_text().splitlines() if line.strip()]
        _check_synsets(table_path, table)
        if table == sorted(table):
            raise ValueError(f"{table_path}: the synsets are in sorted order, but the devkit's ILSVRC2012_IDs follow "
                             "meta.mat's order (ID 1 = n02119789); export that table, not a sorted list")
        try:
            lines = [table[int(v) - 1] for v in lines]
        except (ValueError, IndexError):
            raise ValueError(f"{path}: expected ILSVRC2012_IDs 1..{len(table)}, one per line") from None
    else:
        _check_synsets(path, lines)
    out = {}
    for name in names:
        stem = os.path.splitext(name)[0]
        m = _NUMBER.search(stem)
        if m and 1 <= int(m.group(1)) <= len(lines):
            out[stem] = lines[int(m.group(1)) - 1]
    return out


def _check_synsets(path, values) -> None:
    for v in values:
        if not _SYNSET.match(v):
            raise ValueError(f"{path}: {v!r} is not a WordNet synset id (n########)")


__all__ = ["load_imagenet", "GROUND_TRUTH_FILES", "DEVKIT_SYNSETS"]
