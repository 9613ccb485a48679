"""keras.applications MobileNets, with their ImageNet weights, saved as ``M.keras`` + model card ``M.json``.

Keras downloads the weights into its cache (``~/.keras/models/``, or ``$KERAS_HOME/models``)
on first use. Offline, :class:`WeightsUnavailableError` names the exact file Keras looks for,
where it would download it from, and the folder to put it in.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .convention import PIXEL_PM1, PIXEL_RAW, InputConvention

ARCHS = {
    "mobilenet-v1": "MobileNet",
    "mobilenet-v2": "MobileNetV2",
    "mobilenet-v3-small": "MobileNetV3Small",
    "mobilenet-v3-large": "MobileNetV3Large",
}
DEFAULT_ALPHA = {"mobilenet-v1": 1.0, "mobilenet-v2": 1.0, "mobilenet-v3-small": 1.0, "mobilenet-v3-large": 1.0}


class WeightsUnavailableError(RuntimeError):
    """The ImageNet weights file is not in Keras's cache and cannot be downloaded."""


def keras_cache_dir() -> Path:
    """Where Keras keeps downloaded weights (``get_file(..., cache_subdir="models")``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "models"


def convention_of(arch: str, include_preprocessing: bool = True) -> InputConvention:
    """The input convention of a keras.applications MobileNet: V1/V2 [-1, 1]; V3 raw 0..255
    (its Rescaling layer inside), or [-1, 1] without ``include_preprocessing``."""
    if arch.startswith("mobilenet-v3") and include_preprocessing:
        return PIXEL_RAW
    return PIXEL_PM1


def build(arch: str, alpha: float | None = None, size: int = 224, include_top: bool = True,
          classes: int = 1000, pooling: str | None = None, weights: str | None = "imagenet",
          include_preprocessing: bool = True):
    """The keras.applications model; ``weights="imagenet"`` downloads (or finds in the cache) the weights."""
    import keras

    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHS)}")
    if not 32 <= int(size) <= 1024:
        raise ValueError(f"--size {size}: expected an input size in pixels such as 96, 128, 160, 192 or 224")
    alpha = DEFAULT_ALPHA[arch] if alpha is None else float(alpha)
    if not alpha > 0:
        raise ValueError(f"--alpha must be positive, got {alpha}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"--classes {classes}: the ImageNet head has 1000 classes; use --no-top for a new head")
    ctor = getattr(keras.applications, ARCHS[arch])
    kwargs = dict(input_shape=(int(size), int(size), 3), alpha=alpha, include_top=include_top, weights=weights,
                  classes=classes, pooling=pooling)
    if arch.startswith("mobilenet-v3"):
        kwargs["include_preprocessing"] = include_preprocessing
    requested: list[tuple[str, str]] = []
    from keras.src.utils import file_utils

    real_get_file = file_utils.get_file

    def recording_get_file(fname=None, origin=None, *args, **kw):
        requested.append((fname or os.path.basename(str(origin)), str(origin)))
        return real_get_file(fname, origin, *args, **kw)

    file_utils.get_file = recording_get_file
    try:
        return ctor(**kwargs)
    except Exception as exc:  # noqa: BLE001 - a failed download comes in many types
        if not requested:
            raise ValueError(f"keras.applications.{ARCHS[arch]}({_args(kwargs)}): {exc}") from None
        fname, origin = requested[-1]
        cache = keras_cache_dir()
        raise WeightsUnavailableError(
            f"cannot get the ImageNet weights of {ARCHS[arch]} (alpha {alpha:g}, {size} px"
            f"{'' if include_top else ', no top'}): Keras looks for the file {fname} in its cache folder "
            f"{cache}/ (~/.keras/models/) and could not download it ({type(exc).__name__}: {str(exc)[:200]}). "
            f"On a machine with internet access download {origin} and put it at {cache / fname}, "
            f"then run this command again (or use --weights none for a randomly initialised model)") from None
    finally:
        file_utils.get_file = real_get_file


def _args(kwargs) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def pretrained_outputs(out: str | Path) -> list:
    """The files ``pretrained --out M.keras`` writes: the model and its card ``M.json``."""
    from ..outputs import KERAS, MODEL_CARD, Output
    from .cards import card_path

    return [Output("--out", out, KERAS), Output("the model card", card_path(out), MODEL_CARD)]


def save_pretrained(out: str | Path, arch: str, alpha: float | None = None, size: int = 224,
                    include_top: bool = True, classes: int = 1000, pooling: str | None = None,
                    weights: str | None = "imagenet", include_preprocessing: bool = True,
                    force: bool = False) -> dict:
    """Build, save ``out`` (.keras) and its model card ``out.json``; return the card.

    Both files are checked before the model is built (an existing file of another kind is replaced
    only with ``force``) and written all-or-nothing."""
    from ..outputs import check_outputs, write_outputs

    out = Path(out)
    if out.suffix != ".keras":
        raise ValueError(f"--out {out}: the model is saved as .keras")
    files = pretrained_outputs(out)
    check_outputs([], files, force=force)
    model = build(arch, alpha, size, include_top, classes, pooling, weights, include_preprocessing)
    conv = convention_of(arch, include_preprocessing)
    card = {
        "model": out.name,
        "architecture": arch,
        "keras_application": ARCHS[arch],
        "alpha": DEFAULT_ALPHA[arch] if alpha is None else float(alpha),
        "size": int(size),
        "input": f"{size}x{size}x3, {conv.name}",
        "include_top": bool(include_top),
        "classes": int(model.output_shape[-1]),
        "pooling": pooling,
        "weights": weights or "none",
        "input_convention": InputConvention(conv.scale, conv.offset, conv.name, "card").to_dict(),
        "class_order": "keras.applications ImageNet order = sorted synset ids (n01440764 first)"
        if include_top and weights == "imagenet" else None,
    }
    if arch.startswith("mobilenet-v3"):
        card["include_preprocessing"] = bool(include_preprocessing)
    write_outputs(list(zip(files, [model.save, (json.dumps(card, indent=2) + "\n").encode("utf-8")], strict=True)),
                  force=force)
    return card
