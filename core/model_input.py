"""The user's input convention from the command line: ``--input-scale/--input-offset`` or
``--mean/--std``. It is step 1 of :func:`core.models.convention.resolve_convention`, the one
resolver (user, recorded, the model's own, pixel/255) every path calls."""

from __future__ import annotations

from .models.convention import InputConvention


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


__all__ = ["add_convention_flags", "convention_from_args"]
