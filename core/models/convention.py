"""The model's input convention: how a uint8 pixel becomes the float the model expects.

    model_input[..., c] = pixel[..., c] * scale[c] + offset[c]        (pixel in 0..255)

It is part of the model, not of the data: qftune's own builders take ``pixel/255``,
keras.applications MobileNet/MobileNetV2 take ``pixel/127.5 - 1``, MobileNetV3 with
``include_preprocessing=True`` (its default) takes raw ``0..255`` and rescales inside.
The session records it, the export derives the int8 input quantizer from its range,
and every path that feeds images to a model (calibrate, evaluate, compare,
sensitivity, the demo, the device accuracy path, training) applies it.

Every path finds it through one resolver, :func:`resolve_convention`, for a Keras model,
a .tflite or a session, in one order (the first that answers wins):

1. the user's explicit setting (``--input-scale/--input-offset``, ``--mean/--std``, a dialog);
2. what was recorded with the file: a session's ``calibration["input_convention"]`` (a session
   without one predates recorded conventions and was calibrated on pixel/255, which is what its
   ranges were chosen on: that is its answer); a .tflite's export report ``<stem>.export.json``
   (a float twin, which has none: the report of the int8 export it was written with); a Keras
   file's model card ``M.json``;
3. what the model itself shows: a .tflite's int8/uint8 input quantization (pixel 0..255 onto
   the range it covers, as qftune's exporter derives it); a Keras model's structure
   (keras.applications names and layers, qftune's own input name);
4. ``pixel/255``, said through ``warn`` as an assumption so the user can correct it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class InputConvention:
    """``x = pixel * scale + offset`` per channel (one value = every channel)."""

    scale: tuple[float, ...] = (1.0 / 255.0,)
    offset: tuple[float, ...] = (0.0,)
    name: str = "pixel/255"
    source: str = "default"   # "user", "card", "detected" or "default"

    def __post_init__(self):
        scale = tuple(float(s) for s in np.atleast_1d(self.scale))
        offset = tuple(float(o) for o in np.atleast_1d(self.offset))
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "offset", offset)
        if not scale or not offset:
            raise ValueError("input convention: scale and offset need at least one value")
        if not all(np.isfinite(scale)) or not all(np.isfinite(offset)):
            raise ValueError(f"input convention {self.name}: scale {scale} and offset {offset} must be finite")
        if any(s <= 0 for s in scale):
            raise ValueError(f"input convention {self.name}: every scale must be positive, got {scale}")
        if len(scale) != len(offset) and 1 not in (len(scale), len(offset)):
            raise ValueError(f"input convention {self.name}: {len(scale)} scales but {len(offset)} offsets")

    # ----------------------------------------------------------------- use
    def apply(self, pixels):
        """float32 model input from pixels (numpy array or TF tensor, 0..255, channels last)."""
        scale = np.asarray(self.scale, np.float32)
        offset = np.asarray(self.offset, np.float32)
        if isinstance(pixels, np.ndarray):
            return pixels.astype(np.float32) * scale + offset
        import tensorflow as tf

        return tf.cast(pixels, tf.float32) * scale + offset

    @property
    def input_range(self) -> tuple[float, float]:
        """(lowest, highest) model input any pixel can produce: the int8 input quantizer's range."""
        lo = [o + 0.0 * s for s, o in self._pairs()]
        hi = [o + 255.0 * s for s, o in self._pairs()]
        return float(min(lo)), float(max(hi))

    def _pairs(self):
        n = max(len(self.scale), len(self.offset))
        s = self.scale * n if len(self.scale) == 1 else self.scale
        o = self.offset * n if len(self.offset) == 1 else self.offset
        return list(zip(s, o, strict=True))

    def describe(self) -> str:
        if len(self.scale) == 1 and len(self.offset) == 1:
            return (f"{self.name}: x = pixel * {self.scale[0]:.8g} + {self.offset[0]:.8g} "
                    f"-> [{self.input_range[0]:.6g}, {self.input_range[1]:.6g}] ({self.source})")
        return (f"{self.name}: x = pixel * {list(self.scale)} + {list(self.offset)} per channel "
                f"-> [{self.input_range[0]:.6g}, {self.input_range[1]:.6g}] ({self.source})")

    # ------------------------------------------------------------ storage
    def to_dict(self) -> dict:
        return {"name": self.name, "scale": list(self.scale), "offset": list(self.offset), "source": self.source}

    @classmethod
    def from_dict(cls, d: dict, source: str | None = None) -> InputConvention:
        try:
            return cls(tuple(d["scale"]), tuple(d["offset"]), str(d.get("name", "custom")),
                       source or str(d.get("source", "card")))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"input convention {d!r}: needs 'scale' and 'offset' lists ({exc})") from None

    @classmethod
    def from_scale_offset(cls, scale, offset) -> InputConvention:
        """The user's ``--input-scale`` / ``--input-offset`` (numbers or per-channel lists)."""
        return cls(tuple(np.atleast_1d(scale)), tuple(np.atleast_1d(offset)), "custom", "user")

    @classmethod
    def from_mean_std(cls, mean, std) -> InputConvention:
        """``x = (pixel - mean) / std`` with mean/std in pixel units (e.g. 127.5 and 127.5)."""
        mean = np.atleast_1d(np.asarray(mean, np.float64))
        std = np.atleast_1d(np.asarray(std, np.float64))
        if np.any(std <= 0):
            raise ValueError(f"--std must be positive, got {std.tolist()}")
        return cls(tuple(1.0 / std), tuple(-mean / std), "mean/std", "user")


PIXEL_01 = InputConvention((1.0 / 255.0,), (0.0,), "pixel/255", "default")
PIXEL_PM1 = InputConvention((1.0 / 127.5,), (-1.0,), "pixel/127.5 - 1 (keras.applications MobileNet/V2)", "detected")
PIXEL_RAW = InputConvention((1.0,), (0.0,), "raw 0..255 (rescaled inside the model)", "detected")


def detect_convention(model) -> InputConvention | None:
    """The convention a known model family expects, from its structure; None when unknown.

    keras.applications MobileNet (``conv1``/``conv_dw_1``) and MobileNetV2 (``Conv1``/
    ``expanded_conv_depthwise``) -> [-1, 1]; MobileNetV3 with a Rescaling layer right
    after the input (``include_preprocessing=True``) -> raw 0..255, without it -> [-1, 1];
    qftune's own builders (input layer ``image``) -> pixel/255.
    """
    names = {layer.name for layer in _flat_layers(model)}
    first = _first_after_input(model)
    if first is not None and type(first).__name__ == "Rescaling":
        cfg = first.get_config()
        try:
            s, o = float(np.squeeze(cfg.get("scale", 1.0))), float(np.squeeze(cfg.get("offset", 0.0)))
        except (TypeError, ValueError):
            s, o = None, None
        if s is not None and (s, o) in ((1 / 127.5, -1.0), (1 / 255.0, 0.0), (1.0 / 255, 0.0)):
            return PIXEL_RAW
    is_v3 = any(n.startswith("expanded_conv_") and n.endswith("squeeze_excite_conv") for n in names) or \
        "MobilenetV3" in getattr(model, "name", "") or "MobileNetV3" in getattr(model, "name", "")
    if is_v3 or "expanded_conv_depthwise" in names or "conv_dw_1" in names or "Conv1" in names:
        return PIXEL_PM1
    if getattr(model, "inputs", None) and model.inputs[0]._keras_history.operation.name == "image":
        return InputConvention(PIXEL_01.scale, PIXEL_01.offset, "pixel/255 (qftune model)", "detected")
    return None


def recorded_convention(json_path, source: str, warn=None) -> InputConvention | None:
    """The ``input_convention`` recorded in a JSON file (a model card, an export report), if any.

    A file that is not a JSON object (garbage text, a list, a directory) records nothing: it is
    ignored with a warning naming it (``warn``, else stderr). An ``input_convention`` entry that is
    there but unusable is refused: :class:`ValueError` naming the file and the key.
    """
    p = Path(json_path)
    if not p.exists():
        return None
    if p.is_dir():
        _warn(warn, f"{p}: a directory, not a {source} (JSON); ignored")
        return None
    try:
        d = json.loads(p.read_text())
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        _warn(warn, f"{p}: not a readable {source} ({_short(exc)}); ignored")
        return None
    if not isinstance(d, dict):
        _warn(warn, f"{p}: not a {source} (a JSON {type(d).__name__}, not an object); ignored")
        return None
    if "input_convention" not in d:
        return None
    return convention_from_json(d["input_convention"], f"{p}: input_convention", source)


def convention_from_json(entry, where: str, source: str) -> InputConvention:
    """An :class:`InputConvention` from a stored ``{"scale", "offset", "name"}`` entry; a bad entry
    raises :class:`ValueError` starting with ``where`` (the file and key) and the sub-key at fault."""
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected an object with 'scale' and 'offset', got {_show(entry)}")
    values = {}
    for key in ("scale", "offset"):
        if key not in entry:
            raise ValueError(f"{where}.{key}: missing (the convention is x = pixel * scale + offset)")
        v = entry[key]
        items = v if isinstance(v, list) else [v]
        if not items or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in items):
            raise ValueError(f"{where}.{key}: expected a number or a list of numbers, got {_show(v)}")
        if not all(np.isfinite(items)):
            raise ValueError(f"{where}.{key}: {_show(v)} is not finite")
        if key == "scale" and any(x <= 0 for x in items):
            raise ValueError(f"{where}.scale: {_show(v)}: every scale must be positive")
        values[key] = tuple(float(x) for x in items)
    n_s, n_o = len(values["scale"]), len(values["offset"])
    if n_s != n_o and 1 not in (n_s, n_o):
        raise ValueError(f"{where}: {n_s} scale values but {n_o} offset values")
    return InputConvention(values["scale"], values["offset"], str(entry.get("name", "custom")), source)


def check_channels(conv: InputConvention, channels, names: dict) -> InputConvention:
    """Refuse a per-channel convention whose value count is neither 1 nor the model's input channels;
    ``names`` says how the user wrote each of "scale" and "offset" (a card's key, an option)."""
    if channels is None:
        return conv
    c = int(channels)
    for key, values in (("scale", conv.scale), ("offset", conv.offset)):
        if len(values) not in (1, c):
            raise ValueError(f"{names[key]}: {len(values)} values for a model whose input has {c} "
                             f"channel{'s' if c != 1 else ''} (give 1 value{f' or {c}' if c != 1 else ''})")
    return conv


USER_NAMES = {"scale": "--input-scale (or --std)", "offset": "--input-offset (or --mean)"}


def card_convention(model_path, warn=None) -> InputConvention | None:
    """The ``input_convention`` recorded in the model card ``M.json`` beside ``M.keras``, if any."""
    if model_path is None:
        return None
    return recorded_convention(Path(model_path).with_suffix(".json"), "model card", warn)


def report_convention(tflite_path) -> InputConvention | None:
    """The ``input_convention`` recorded in ``<tflite>.export.json``, if any."""
    p = Path(tflite_path)
    return recorded_convention(p.with_name(p.stem + ".export.json"), "export report")


def twin_convention(float_path, int8_path) -> InputConvention | None:
    """The int8 export's report convention when ``float_path`` is the float twin it was written
    with (its report's ``float_path``); the twin has no report of its own."""
    p = Path(int8_path)
    try:
        rep = json.loads(p.with_name(p.stem + ".export.json").read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    twin = rep.get("float_path") if isinstance(rep, dict) else None
    if twin and Path(twin).resolve() == Path(float_path).resolve():
        return report_convention(p)
    return None


def quantized_input_convention(detail: dict) -> InputConvention | None:
    """pixel 0..255 -> the int8/uint8 input's real range [lo, hi] linearly (q = pixel - 128 for int8)."""
    dtype = np.dtype(detail["dtype"])
    scale, zp = detail.get("quantization", (0.0, 0))
    if dtype not in (np.int8, np.uint8) or not scale:
        return None
    lo = (np.iinfo(dtype).min - zp) * scale
    hi = (np.iinfo(dtype).max - zp) * scale
    return InputConvention(((hi - lo) / 255.0,), (lo,), f"the int8 input's range [{lo:.6g}, {hi:.6g}]",
                           "input quantization")


def _input_channels(model):
    try:
        shape = model.inputs[0].shape
        return int(shape[-1]) if len(shape) == 4 and shape[-1] is not None else None
    except (AttributeError, IndexError, TypeError):
        return None


def _warn(warn, message: str) -> None:
    if warn is not None:
        warn(message)
    elif sys.stderr is not None:
        print(f"warning: {message}", file=sys.stderr)


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def _show(v) -> str:
    text = json.dumps(v) if not isinstance(v, str) else repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _session_recorded(session) -> InputConvention:
    d = (getattr(session, "calibration", None) or {}).get("input_convention")
    if isinstance(d, dict):
        return InputConvention.from_dict(d)
    return InputConvention(PIXEL_01.scale, PIXEL_01.offset, "pixel/255 (session without a recorded convention)",
                           "default")


def _tflite_found(path, input_detail, twin_of):
    yield report_convention(path)
    if twin_of is not None:
        yield twin_convention(path, twin_of)
    if input_detail is not None:
        yield quantized_input_convention(input_detail)


def _keras_found(model, model_path, warn=None):
    card = card_convention(model_path, warn)
    if card is not None:   # a card's per-channel values must match the model's input channels
        where = f"{Path(model_path).with_suffix('.json')}: input_convention"
        card = check_channels(card, _input_channels(model), {k: f"{where}.{k}" for k in ("scale", "offset")})
    yield card
    if model is not None:
        yield detect_convention(model)


def resolve_convention(model=None, model_path=None, user: InputConvention | None = None, warn=None, *,
                       session=None, input_detail: dict | None = None, twin_of=None) -> InputConvention:
    """The convention that feeds a model, in the order of this module's docstring.

    - a session (``session=``): ``user``, else its recorded convention (pixel/255 when none);
    - a .tflite (``model_path`` ending ``.tflite``; ``input_detail`` its interpreter's input
      details, ``twin_of`` the int8 .tflite it may be the float twin of): ``user``, its report,
      the twin's report, its int8 input's range, else pixel/255 (``warn`` says so);
    - a Keras model (``model``, ``model_path`` its file): ``user``, the card, the model's
      structure, else pixel/255 (``warn`` says so).
    """
    is_tflite = model_path is not None and Path(model_path).suffix.lower() == ".tflite"
    channels = None if is_tflite or session is not None else _input_channels(model)
    if user is not None:
        return check_channels(user, channels, USER_NAMES)
    if session is not None:
        return _session_recorded(session)
    found = _tflite_found(model_path, input_detail, twin_of) if is_tflite else _keras_found(model, model_path, warn)
    for conv in found:
        if conv is not None:
            return conv
    if warn is not None:
        if is_tflite:
            warn(f"{model_path}: input convention unknown (float input, no {Path(model_path).stem}.export.json); "
                 "assuming pixel/255 (set --input-scale/--input-offset or --mean/--std if the model was trained "
                 "otherwise)")
        else:
            warn(f"{getattr(model, 'name', 'model')}: input convention unknown; assuming pixel/255 "
                 "(set --input-scale/--input-offset or --mean/--std if the model was trained otherwise)")
    return PIXEL_01


def _flat_layers(model):
    out = []
    for layer in getattr(model, "layers", []):
        out.append(layer)
        if hasattr(layer, "layers") and layer is not model:
            out.extend(_flat_layers(layer))
    return out


def _first_after_input(model):
    """The first non-input layer reached from the input (looking into a nested base model)."""
    for layer in getattr(model, "layers", []):
        cls = type(layer).__name__
        if cls == "InputLayer":
            continue
        if hasattr(layer, "layers"):   # a nested base model: its first layer
            return _first_after_input(layer)
        return layer
    return None


__all__ = ["InputConvention", "PIXEL_01", "PIXEL_PM1", "PIXEL_RAW", "detect_convention", "card_convention",
           "report_convention", "twin_convention", "quantized_input_convention", "recorded_convention",
           "convention_from_json", "check_channels", "resolve_convention"]
