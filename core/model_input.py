"""Which input convention (:mod:`core.models.convention`) feeds a given model file.

- a Keras model: :func:`core.models.convention.resolve_convention` (user, card, detected, pixel/255);
- a session: its ``input_convention`` entry (written at calibration), else resolved from the model;
- a .tflite: the user's, else ``<tflite>.export.json``'s ``"input_convention"``, else for an
  int8/uint8 input the range its quantization covers (pixel 0..255 -> [lo, hi] linearly, which
  is what qftune's exporter derives from the convention), else pixel/255 with a warning.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .models.convention import PIXEL_01, InputConvention, recorded_convention, resolve_convention


def add_convention_flags(p) -> None:
    """``--input-scale/--input-offset`` or ``--mean/--std`` on a CLI parser: one value, or three
    (per channel) separated by commas."""
    g = p.add_argument_group("input convention", "how a pixel (0..255) becomes the model's input: "
                             "x = pixel * scale + offset per channel. Default: the model card M.json, else "
                             "detected (keras.applications MobileNets, qftune's models), else pixel/255 with a warning")
    g.add_argument("--input-scale", default=None, metavar="A[,B,C]", help="scale (one value or one per channel)")
    g.add_argument("--input-offset", default=None, metavar="A[,B,C]", help="offset (default 0)")
    g.add_argument("--mean", default=None, metavar="M[,M,M]", help="x = (pixel - mean) / std, in pixel units")
    g.add_argument("--std", default=None, metavar="S[,S,S]", help="with --mean (default 1)")


def _numbers(text: str, option: str) -> list[float]:
    import math

    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise ValueError(f"{option} {text!r}: expected numbers separated by commas, e.g. 0.0078431,-1") from None
    if not values or not all(math.isfinite(v) for v in values) or len(values) not in (1, 3):
        raise ValueError(f"{option} {text!r}: expected 1 or 3 finite numbers")
    return values


def convention_from_args(args):
    """The user's :class:`InputConvention` from the flags, or None (then card/detected/default)."""
    from .models.convention import InputConvention

    scale, offset, mean, std = (getattr(args, k, None) for k in ("input_scale", "input_offset", "mean", "std"))
    if (scale or offset) and (mean or std):
        raise ValueError("give either --input-scale/--input-offset or --mean/--std, not both")
    if scale or offset:
        s = _numbers(scale, "--input-scale") if scale else [1.0]
        o = _numbers(offset, "--input-offset") if offset else [0.0]
        if any(v <= 0 for v in s):
            raise ValueError(f"--input-scale {scale!r}: every scale must be positive")
        return InputConvention.from_scale_offset(s, o)
    if mean or std:
        m = _numbers(mean, "--mean") if mean else [0.0]
        d = _numbers(std, "--std") if std else [1.0]
        if any(v <= 0 for v in d):
            raise ValueError(f"--std {std!r}: every std must be positive")
        return InputConvention.from_mean_std(m, d)
    return None


def report_convention(tflite_path) -> InputConvention | None:
    """The ``input_convention`` recorded in ``<tflite>.export.json``, if any."""
    from .export.report import report_path

    return recorded_convention(report_path(tflite_path), "export report")


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


__all__ = ["add_convention_flags", "convention_from_args", "report_convention",
           "quantized_input_convention", "tflite_convention", "session_convention", "model_convention"]
