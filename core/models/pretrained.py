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
MAX_ALPHA = 4.0          # ImageNet weights go up to 1.4; 4 is a 16x wider model, still well under MAX_PARAMS
MIN_SIZE, MAX_SIZE = 64, 320   # measured: V1 at 48 px, V2 at 32 px calibrate but their export fails (ops dropped)
MAX_CLASSES = 100_000
MAX_PARAMS = 100_000_000  # 400 MB of float32 weights: far above any MobileNet (the widest, V1 x4: ~55 M)
# parameters of the alpha-1.0 network without its classifier, and the width feeding the classifier
# (keras.applications' own counts: V1 4,253,864 in all, V2 3,538,984, V3 small 2,554,968, large 5,507,432)
_BASE_PARAMS = {"mobilenet-v1": 3_228_864, "mobilenet-v2": 2_257_984, "mobilenet-v3-small": 1_529_968,
                "mobilenet-v3-large": 4_226_432}
_HEAD_WIDTH = {"mobilenet-v1": 1024, "mobilenet-v2": 1280, "mobilenet-v3-small": 1024, "mobilenet-v3-large": 1280}


def estimate_params(arch: str, alpha: float, include_top: bool = True, classes: int = 1000) -> int:
    """An upper estimate of the model's parameter count, before building it (widths grow ~alpha,
    weights ~alpha squared; the classifier is the head width x classes)."""
    grow = max(float(alpha), 1.0)
    params = _BASE_PARAMS[arch] * grow * grow
    if include_top:
        width = _HEAD_WIDTH[arch] * (alpha if arch == "mobilenet-v1" else grow)
        params += (width + 1) * classes
    return int(params)


def check_build_size(arch: str, alpha: float, size: int, include_top: bool = True, classes: int = 1000) -> None:
    """Refuse, naming the option, a model outside what qftune builds and exports (before building it)."""
    if not MIN_SIZE <= int(size) <= MAX_SIZE:
        raise ValueError(f"--size {size}: qftune builds and exports these MobileNets from {MIN_SIZE} to {MAX_SIZE} px "
                         "(ImageNet weights: 96, 128, 160, 192 or 224)")
    if not 0 < float(alpha) <= MAX_ALPHA:
        raise ValueError(f"--alpha {alpha:g}: must be above 0 and at most {MAX_ALPHA:g} (ImageNet weights: up to 1.4)")
    if not 1 <= int(classes) <= MAX_CLASSES:
        raise ValueError(f"--classes {classes}: must be from 1 to {MAX_CLASSES:,}")
    params = estimate_params(arch, alpha, include_top, classes)
    if params > MAX_PARAMS:
        raise ValueError(f"{ARCHS[arch]} with --alpha {alpha:g}" + (f" and --classes {classes}" if include_top else "")
                         + f" would have about {params / 1e6:,.0f} million parameters ({params * 4 / 2**30:,.1f} GiB "
                         f"of float32 weights); qftune builds at most {MAX_PARAMS / 1e6:,.0f} million: lower --alpha"
                         + (" or --classes" if include_top else ""))


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
    alpha = DEFAULT_ALPHA[arch] if alpha is None else float(alpha)
    check_build_size(arch, alpha, size, include_top, classes)
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
