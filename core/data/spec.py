"""Dataset spec strings, the one notion of "which images" every command shares.

    embedded[:calib|:eval]          bundled Fashion-MNIST subset (resources/)
    fashion-mnist[:train|:test]     Debian's dataset-fashion-mnist, or --path
    folder:PATH                     ROOT/<class>/<image> tree, classes = sorted folder names
    cifar10:PATH[:train|:test]      CIFAR-10 python pickle batches
"""

from __future__ import annotations

from pathlib import Path

from .dataset import Dataset

SPEC_HELP = (
    "dataset spec: embedded[:calib|:eval], fashion-mnist[:train|:test], folder:PATH, cifar10:PATH[:train|:test]"
)


def load_dataset(spec: str, default_split: str = "train", path: str | Path | None = None,
                 skip_bad: bool = False, image_size: int | None = None, warn=None) -> Dataset:
    """Load the dataset named by ``spec``.

    ``default_split`` ('train' or 'test') applies when the spec names none: calibration
    and training use the training split, evaluation the test split.
    """
    kind, _, rest = spec.partition(":")
    if default_split not in ("train", "test"):
        raise ValueError(f"default_split must be 'train' or 'test', got {default_split!r}")
    if kind == "embedded":
        from .embedded import load_embedded

        return load_embedded(rest or default_split)
    if kind == "fashion-mnist":
        from .fashion_mnist import load_fashion_mnist

        return load_fashion_mnist(rest or default_split, path)
    if kind == "folder":
        if not rest:
            raise ValueError("folder spec needs a path: folder:PATH")
        from .folder import load_folder

        return load_folder(rest, size=image_size, skip_bad=skip_bad, warn=warn)
    if kind == "cifar10":
        if not rest:
            raise ValueError("cifar10 spec needs a path: cifar10:PATH[:train|:test]")
        from .cifar10 import load_cifar10

        root, split = rest, default_split
        head, sep, tail = rest.rpartition(":")
        if sep and tail in ("train", "test"):
            root, split = head, tail
        return load_cifar10(root, split)
    raise ValueError(f"unknown dataset spec {spec!r}; expected {SPEC_HELP}")
