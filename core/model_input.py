"""Which input convention (:mod:`core.models.convention`) feeds a given model file.

- a Keras model: :func:`core.models.convention.resolve_convention` (user, card, detected, pixel/255);
- a session: its ``input_convention`` entry (written at calibration), else resolved from the model;
- a .tflite: the user's, else ``<tflite>.export.json``'s ``"input_convention"``, else for an
  int8/uint8 input the range its quantization covers (pixel 0..255 -> [lo, hi] linearly, which
  is what qftune's exporter derives from the convention), else pixel/255 with a warning.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .models.convention import PIXEL_01, InputConvention, resolve_convention


def user_convention(scale=None, offset=None, mean=None, std=None) -> InputConvention | None:
    """The convention from ``--input-scale/--input-offset`` or ``--mean/--std`` (None when none given)."""
    if (scale is not None or offset is not None) and (mean is not None or std is not None):
        raise ValueError("give either --input-scale/--input-offset or --mean/--std, not both")
    if scale is not None or offset is not None:
        return InputConvention.from_scale_offset(1.0 if scale is None else scale, 0.0 if offset is None else offset)
    if mean is not None or std is not None:
        return InputConvention.from_mean_std(0.0 if mean is None else mean, 1.0 if std is None else std)
    return None


def add_convention_flags(parser) -> None:
    """``--input-scale/--input-offset/--mean/--std`` (per-channel lists allowed) on a CLI parser."""
    g = parser.add_argument_group("input convention (default: the model's own, recorded or detected)")
    g.add_argument("--input-scale", type=float, nargs="+", default=None, metavar="S",
                   help="model input = pixel (0..255) * S + O, one value or one per channel")
    g.add_argument("--input-offset", type=float, nargs="+", default=None, metavar="O", help="see --input-scale")
    g.add_argument("--mean", type=float, nargs="+", default=None, help="model input = (pixel - MEAN) / STD")
    g.add_argument("--std", type=float, nargs="+", default=None, help="see --mean")


def convention_from_args(args) -> InputConvention | None:
    return user_convention(getattr(args, "input_scale", None), getattr(args, "input_offset", None),
                           getattr(args, "mean", None), getattr(args, "std", None))


def report_convention(tflite_path) -> InputConvention | None:
    """The ``input_convention`` recorded in ``<tflite>.export.json``, if any."""
    p = Path(tflite_path)
    report = p.with_name(p.stem + ".export.json")
    try:
        d = json.loads(report.read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if isinstance(d, dict) and isinstance(d.get("input_convention"), dict):
        return InputConvention.from_dict(d["input_convention"], source="export report")
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


def tflite_convention(path, detail: dict | None = None, user: InputConvention | None = None,
                      warn=None) -> InputConvention:
    if user is not None:
        return user
    found = report_convention(path)
    if found is not None:
        return found
    if detail is None:
        from .export.litert import load_interpreter

        detail = load_interpreter(path).get_input_details()[0]
    found = quantized_input_convention(detail)
    if found is not None:
        return found
    if warn is not None:
        warn(f"{path}: input convention unknown (float input, no {Path(path).stem}.export.json); assuming pixel/255 "
             "(set --input-scale/--input-offset or --mean/--std if the model was trained otherwise)")
    return PIXEL_01


def session_convention(session, model=None, warn=None, user: InputConvention | None = None) -> InputConvention:
    """The session's recorded convention, else the model's (resolved as at calibration)."""
    if user is not None:
        return user
    for meta in (getattr(session, "meta", None), getattr(session, "calibration", None)):
        if isinstance(meta, dict) and isinstance(meta.get("input_convention"), dict):
            return InputConvention.from_dict(meta["input_convention"])
    return resolve_convention(model, getattr(session, "model_path", None), None, warn)


def model_convention(model, model_path=None, user: InputConvention | None = None, warn=None) -> InputConvention:
    """A Keras model's convention (see :func:`core.models.convention.resolve_convention`)."""
    return resolve_convention(model, model_path, user, warn)


__all__ = ["user_convention", "add_convention_flags", "convention_from_args", "report_convention",
           "quantized_input_convention", "tflite_convention", "session_convention", "model_convention"]
