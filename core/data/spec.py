"""Dataset spec strings, the one notion of "which images" every command shares.

    embedded[:calib|:eval]          bundled Fashion-MNIST subset (resources/)
    fashion-mnist[:train|:test]     Debian's dataset-fashion-mnist, or --path
    cifar10:PATH[:train|:test]      CIFAR-10 python pickle batches
    folder:PATH                     ROOT/<class>/<image> tree, classes = sorted folder names (streamed)
    imagenet:PATH[:train|:val]      ILSVRC2012 synset folders or the flat val folder + ground truth (streamed)

Every spec gives an image source (:mod:`core.data.source`).
"""

from __future__ import annotations

from pathlib import Path

SPEC_HELP = ("dataset spec: embedded[:calib|:eval], fashion-mnist[:train|:test], cifar10:PATH[:train|:test], "
             "folder:PATH, imagenet:PATH[:train|:val]")


def load_dataset(spec: str, default_split: str = "train", path: str | Path | None = None,
                 skip_bad: bool = False, warn=None):
    """The image source named by ``spec`` (nothing is decoded for ``folder:``/``imagenet:``).

    ``default_split`` ('train' or 'test') applies when the spec names none: calibration
    and training use the training split, evaluation the test split. ``skip_bad``: skip
    unreadable files (each reported through ``warn(message)``) instead of stopping.
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

        return load_folder(rest, skip_bad=skip_bad, warn=warn)
    if kind == "imagenet":
        if not rest:
            raise ValueError("imagenet spec needs a path: imagenet:PATH[:train|:val]")
        from .imagenet import load_imagenet

        return load_imagenet(rest, default_split, skip_bad=skip_bad, warn=warn)
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


def evaluation_split(spec: str) -> str:
    """The spec of the evaluation (test) split of the source ``spec`` names: what Evaluate, Compare
    and Sensitivity score a session calibrated on ``spec`` with (``embedded`` -> ``embedded:eval``,
    ``cifar10:P:train`` -> ``cifar10:P:test``, ``imagenet:P`` -> ``imagenet:P:val``; a folder has one split)."""
    kind, _, rest = spec.partition(":")
    if kind == "embedded":
        return "embedded:eval"
    if kind == "fashion-mnist":
        return "fashion-mnist:test"
    if kind in ("cifar10", "imagenet") and rest:
        head, sep, tail = rest.rpartition(":")
        root = head if sep and tail in ("train", "test", "val") else rest
        return f"{kind}:{root}:{'test' if kind == 'cifar10' else 'val'}"
    return spec
