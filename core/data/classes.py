"""Which model output a label means, and whether a model's output fits the data's classes.

- ``imagenet:`` labels are indices in keras.applications' 1,000-class list, shipped as
  ``resources/imagenet_classes.txt`` (the 1,000 ILSVRC2012 synsets, n01440764 first, n15075141
  last: the order of keras' ``imagenet_class_index.json``), whatever subset of synsets is present.
- ``folder:`` labels are the sorted class-folder names; the in-memory sets keep their own order.
- ``--class-map FILE`` replaces either: the model's classes, one name per line, line i = output i
  (a ``labels.txt``); every class of the data must be named there. Blank lines at the end are
  ignored; a blank line inside or a name listed twice is refused.

:func:`check_classifier` is called wherever labels meet a model (evaluate, sensitivity): the
model must have one score per class of the data, or the error says why not.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from ..resources import resource_path

IMAGENET_CLASSES_FILE = "imagenet_classes.txt"
IMAGENET_NUM_CLASSES = 1000
CLASS_MAP_SUFFIX = " with --class-map "
MAX_CLASS_MAP_BYTES = 64 * 1024 * 1024
CLASS_MAP_HELP = ("the model's classes, one name per line, line i = output i (a labels.txt); each image is "
                  "scored against the line of its class folder / synset / class name. Without it: imagenet: "
                  "uses keras.applications' 1,000-class order, folder: the sorted folder names")


@cache
def imagenet_synsets() -> tuple[str, ...]:
    """The 1,000 ImageNet synsets in keras.applications' output order (index 0 = n01440764)."""
    path = resource_path(IMAGENET_CLASSES_FILE)
    names = tuple(path.read_text().split())
    if len(names) != IMAGENET_NUM_CLASSES or len(set(names)) != IMAGENET_NUM_CLASSES:
        raise ValueError(f"{path}: expected {IMAGENET_NUM_CLASSES} distinct synsets, found {len(names)}")
    return names


@cache
def _imagenet_index() -> dict[str, int]:
    return {s: i for i, s in enumerate(imagenet_synsets())}


def imagenet_indices(synsets, where) -> np.ndarray:
    """The keras.applications output index of each of ``synsets``; an unknown synset is an error naming
    it and ``where`` (the folder or ground-truth file it came from)."""
    index = _imagenet_index()
    unknown = [s for s in synsets if s not in index]
    if unknown:
        more = f" ({len(unknown)} unknown synsets: {', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''})" \
            if len(unknown) > 1 else ""
        raise ValueError(f"{where}: {unknown[0]} is not one of the 1,000 ImageNet classes (keras.applications' "
                         f"list, resources/{IMAGENET_CLASSES_FILE}){more}")
    return np.fromiter((index[s] for s in synsets), np.int64, len(synsets))


def read_class_map(path) -> list[str]:
    """The model's class names of a ``--class-map`` file, line i = output i (see the module doc)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"--class-map {p}: no such file")
    if p.stat().st_size > MAX_CLASS_MAP_BYTES:
        raise ValueError(f"--class-map {p}: {p.stat().st_size:,} bytes is not a class list (one name per line)")
    try:
        lines = [line.strip() for line in p.read_text(encoding="utf-8").splitlines()]
    except UnicodeDecodeError:
        raise ValueError(f"--class-map {p}: not a UTF-8 text file (expected one class name per line)") from None
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        raise ValueError(f"--class-map {p}: empty (expected one class name per line, line i = model output i)")
    seen: dict[str, int] = {}
    for i, name in enumerate(lines, 1):
        if not name:
            raise ValueError(f"--class-map {p}: line {i} is blank (every line up to the last names model output "
                             f"{i - 1}, ...)")
        if name in seen:
            raise ValueError(f"--class-map {p}: {name!r} is listed twice (lines {seen[name]} and {i})")
        seen[name] = i
    return lines


def apply_class_map(src, path):
    """``src`` relabelled by the ``--class-map`` file ``path``: label = the line of its class name
    (``src`` itself when no file is given: None or '')."""
    if not path:
        return src
    names = read_class_map(path)
    position = {n: i for i, n in enumerate(names)}
    present = sorted({int(v) for v in np.unique(src.labels)})
    missing = [src.class_names[c] for c in present if src.class_names[c] not in position]
    if missing:
        raise ValueError(f"--class-map {path}: class {missing[0]!r} of {src.source} is not listed"
                         f"{f' ({len(missing)} classes are not)' if len(missing) > 1 else ''}; list every class "
                         "of the data, one per line, line i = model output i")
    lookup = np.full(len(src.class_names), -1, np.int64)
    for c in present:
        lookup[c] = position[src.class_names[c]]
    return _relabelled(src, lookup[src.labels], names, f"{src.source}{CLASS_MAP_SUFFIX}{path}")


def _relabelled(src, labels, names, source):
    from .files import FileSource
    from .memory import Dataset

    if isinstance(src, FileSource):
        return FileSource(src.paths, labels, names, source, skip_bad=src.skip_bad, warn=src.warn)
    if isinstance(src, Dataset):
        return Dataset(src.images, labels, list(names), source)
    raise TypeError(f"cannot relabel a {type(src).__name__}")


def _label_rule(src) -> str:
    source = str(src.source)
    if CLASS_MAP_SUFFIX in source:
        return f"the classes of {source.split(CLASS_MAP_SUFFIX, 1)[1]}, line i = output i"
    if source.startswith("imagenet:"):
        return "imagenet: labels are indices in keras.applications' 1,000-class list, whatever synsets are present"
    if source.startswith("folder:"):
        return "class i = the i-th sorted class folder"
    return ", ".join(src.class_names[:3]) + (", ..." if len(src.class_names) > 3 else "")


def _head_hint(classes: int) -> str:
    return (f"add a classifier head: global pooling and a Dense layer with one unit per class (e.g. "
            f"GlobalAveragePooling2D() then Dense({classes}, activation='softmax')) and fine-tune it")


def check_classifier(output_shape, src, model: str) -> int:
    """The number of classes ``model`` scores, if its output (``output_shape``, batch first) is one
    score per class of ``src``; otherwise a ValueError naming the shape or both counts."""
    if isinstance(output_shape, list) and output_shape and isinstance(output_shape[0], (list, tuple)):
        if len(output_shape) != 1:
            raise ValueError(f"{model}: the model has {len(output_shape)} outputs; a classifier has one "
                             f"(one score per class)")
        output_shape = output_shape[0]
    dims = [None if d is None else int(d) for d in tuple(output_shape)[1:]]
    k = src.num_classes
    if not dims or any(d is None for d in dims) or int(np.prod(dims[:-1])) != 1:
        shape = "x".join("?" if d is None else str(d) for d in dims) or "a scalar"
        raise ValueError(f"{model}: its output ({shape}) is a feature map, not a classifier output (one score per "
                         f"class); {_head_hint(k)}")
    n = dims[-1]
    if n != k:
        hint = "--class-map FILE lists the model's classes (line i = output i) to score it on these images"
        if str(src.source).startswith("imagenet:") and CLASS_MAP_SUFFIX not in str(src.source):
            hint = f"use a 1,000-class ImageNet model, or {hint}"
        raise ValueError(f"{model}: the model has {n} outputs but {src.source} has {k} classes "
                         f"({_label_rule(src)}); {hint}")
    return n


def present_classes(src) -> int:
    """How many classes have at least one image in ``src`` (an ImageNet subset has fewer than 1,000)."""
    return len(np.unique(src.labels))


__all__ = ["CLASS_MAP_HELP", "imagenet_synsets", "imagenet_indices", "read_class_map", "apply_class_map", "check_classifier",
           "present_classes", "IMAGENET_NUM_CLASSES", "IMAGENET_CLASSES_FILE"]
