"""Loading any Keras model a user has: ``.keras``, ``.h5`` or a SavedModel directory.

Every failure names the file and the problem; nothing is guessed silently.
"""

from __future__ import annotations

import zipfile
from pathlib import Path


class ModelLoadError(ValueError):
    """A model file that cannot be used, with the file named in the message."""


def _check_format(path: Path) -> str:
    if path.is_dir():
        if not (path / "saved_model.pb").exists():
            raise ModelLoadError(f"{path}: a directory but not a SavedModel (no saved_model.pb)")
        return "savedmodel"
    suffix = path.suffix.lower()
    with open(path, "rb") as f:
        head = f.read(8)
    if suffix == ".keras":
        if not zipfile.is_zipfile(path):
            raise ModelLoadError(f"{path}: not a Keras model (.keras files are zip archives; this one is "
                                 f"{'empty' if not head else 'not a zip or is truncated'})")
        return "keras"
    if suffix in (".h5", ".hdf5"):
        if head[:8] != b"\x89HDF\r\n\x1a\n":
            raise ModelLoadError(f"{path}: not an HDF5 file (bad signature {head[:8]!r})")
        return "h5"
    raise ModelLoadError(f"{path}: unknown model format {suffix or '(no suffix)'}; "
                         "expected .keras, .h5 or a SavedModel directory")


def load_model(path: str | Path, normalized: bool = True, check_finite: bool = True):
    """Load a Keras model for inference (not compiled).

    ``normalized`` (default): flattened into one graph of layers that the int8 walkers
    understand (nested models inlined, op arithmetic as layers, see
    :func:`core.models.normalize.normalize`); the same function, layer names kept.
    With ``check_finite`` (the default) a model holding NaN or Inf weights is refused,
    naming the layers and counts: a ReLU can hide a NaN from calibration, and the
    converter then fails with an unrelated message.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such model file")
    kind = _check_format(path)
    import keras

    try:
        if kind == "savedmodel":
            # Keras 3 can only wrap a SavedModel as an opaque TFSMLayer: no layer graph to
            # calibrate or fold. Say so rather than fail later with a confusing error.
            raise ModelLoadError(
                f"{path}: a SavedModel directory has no Keras layer graph under Keras 3 (it loads only as an "
                "opaque TFSMLayer); load it in the program that made it and save it as .keras "
                "(model.save('model.keras'))"
            )
        model = keras.models.load_model(path, compile=False)
    except ModelLoadError:
        raise
    except Exception as exc:  # keras raises many types for a broken file
        unknown = unknown_classes(path) if kind == "keras" else []
        if unknown:
            raise ModelLoadError(
                f"{path}: uses the custom layer class{'es' if len(unknown) > 1 else ''} {', '.join(unknown)}, which "
                "Keras does not know here (not a Keras layer, not registered); qftune loads only Keras's own "
                "layers and classes registered with @keras.saving.register_keras_serializable() in code that is "
                "imported: rebuild the model from Keras layers, or save it without the custom layer") from None
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelLoadError(f"{path}: cannot load the model ({type(exc).__name__}: {reason[:300]})") from None
    if check_finite:
        check_finite_weights(model, str(path))
    if not normalized:
        return model
    from .normalize import normalize

    try:
        return normalize(model)
    except Exception as exc:  # noqa: BLE001 - name the file and the reason
        raise ModelLoadError(f"{path}: cannot flatten the model into one graph ({type(exc).__name__}: "
                             f"{str(exc)[:300]})") from None


def unknown_classes(path) -> list[str]:
    """The class names in a .keras file's config.json that Keras cannot resolve (custom, unregistered)."""
    import importlib
    import json

    import keras

    try:
        with zipfile.ZipFile(path) as z:
            config = json.loads(z.read("config.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return []
    found: list[str] = []

    def known(entry) -> bool:
        name, module = entry.get("class_name"), entry.get("module")
        if keras.saving.get_registered_object(entry.get("registered_name") or name) is not None:
            return True
        if isinstance(module, str) and module.startswith("keras"):
            try:
                return hasattr(importlib.import_module(module), name)
            except ImportError:
                return False
        return hasattr(keras.layers, name)

    def walk(o):
        if isinstance(o, dict):
            name = o.get("class_name")
            if isinstance(name, str) and "config" in o and not name.startswith("__") and not known(o) \
                    and name not in found:
                found.append(name)
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(config)
    return found


def non_finite_weights(model) -> list[tuple[str, str, int, int]]:
    """(layer, weight, NaN/Inf count, size) for every weight of ``model`` holding a non-finite value."""
    import numpy as np

    bad = []
    for layer in model.layers:
        for w in layer.weights:
            a = np.asarray(w.numpy())
            if a.dtype.kind != "f":
                continue
            n = int(a.size - np.count_nonzero(np.isfinite(a)))
            if n:
                bad.append((layer.name, getattr(w, "path", None) or w.name, n, int(a.size)))
    return bad


def check_finite_weights(model, source: str) -> None:
    """Raise :class:`ModelLoadError` naming each layer with NaN/Inf weights and how many."""
    bad = non_finite_weights(model)
    if bad:
        total = sum(n for _, _, n, _ in bad)
        listed = "; ".join(f"layer {layer}: {n:,} of {size:,} in {w}" for layer, w, n, size in bad[:6])
        more = f"; ... {len(bad) - 6} more weight(s)" if len(bad) > 6 else ""
        raise ModelLoadError(f"{source}: {total:,} NaN/Inf weight value(s): {listed}{more}. The model cannot be "
                             "calibrated or exported; retrain it or restore a checkpoint from before the NaNs")


def check_input_compatible(model, image_shape, source: str = "the data", model_name: str | None = None) -> None:
    """Raise if images of ``image_shape`` (H, W, C) cannot feed ``model``.

    Images are resized and converted between 1 and 3 channels by preprocessing, so
    only the rank and channel conversions that preprocessing cannot do are errors.
    """
    shape = tuple(model.input_shape)
    name = model_name or model.name
    if len(shape) != 4:
        raise ModelLoadError(f"{name}: input shape {shape} is not an image batch (N, H, W, C)")
    c_model, c_data = shape[-1], image_shape[-1]
    if c_model != c_data and not ((c_data == 1 and c_model == 3) or (c_data in (3, 4) and c_model in (1, 3))):
        raise ModelLoadError(f"{name}: input shape {shape} cannot be fed from {source} with images of shape "
                             f"{tuple(image_shape)} ({c_data} channels -> {c_model})")
    if shape[1] is None or shape[2] is None or shape[1] != shape[2]:
        raise ModelLoadError(f"{name}: input shape {shape}: qftune needs a fixed square input size")
