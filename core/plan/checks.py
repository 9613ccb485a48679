"""Checks of plan values: the numbers a range may have, and a saved entry's consistency.

:class:`PlanError` is re-exported by :mod:`core.plan`. ``MIN_WIDTH``
(core.quant.grid) is the converter's ``kNearZeroTolerance``: TF's
``quantization_utils.cc`` keeps a range only when ``max - min > 1e-6`` and widens
narrower ones, so such a range would not be the one exported.
"""

from __future__ import annotations

import math

from ..quant.grid import MIN_WIDTH, QuantParams, nudge, params_from_scale
from ..quant.tensors import LOCKED_OPS

FIXED = "fixed"
MAX_WIDTH = 1e38          # wider ranges overflow float32 arithmetic (largest float32: 3.4e38)


class PlanError(ValueError):
    """An edit the plan refuses, with the reason phrased for the user."""


def fixed_params(op: str) -> QuantParams:
    """A locked op's spec-mandated parameters."""
    scale, zp = LOCKED_OPS[op]
    return params_from_scale(scale, zp)


def check_numbers(name: str, *values) -> None:
    for v in values:
        try:
            ok = math.isfinite(float(v))
        except (TypeError, ValueError):
            raise PlanError(f"{name}: {v!r} is not a number") from None
        if not ok:
            raise PlanError(f"{name}: range bound {v} is not a finite number")


def check_width(name: str, rmin: float, rmax: float, nudged: bool = False) -> None:
    """Refuse ranges the int8 grid cannot hold: wider than float32 allows, or narrower than the converter keeps."""
    width = max(rmax, 0.0) - min(rmin, 0.0)
    if width > MAX_WIDTH:
        raise PlanError(f"{name}: range [{rmin:g}, {rmax:g}] is too wide: min, max and scale are stored as "
                        f"float32, so max - min must be at most {MAX_WIDTH:g}")
    if nudged and width <= MIN_WIDTH:
        raise PlanError(f"{name}: range [{rmin:g}, {rmax:g}] is too narrow: the TFLite converter widens any range "
                        f"of width {MIN_WIDTH:g} or less, so the exported model would not use it; "
                        f"give a range wider than {MIN_WIDTH:g}")


def checked_params(row: dict, op: str, method: str) -> QuantParams:
    """A saved entry's parameters; scale and zero point must be the ones its range implies.

    They are derived values (a hand edit of them would show in ``ranges`` but be
    ignored by export), so a mismatch is refused, never recomputed silently.
    """
    name = row["name"]
    values = {}
    for key in ("min", "max", "scale", "zero_point"):
        v = row.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise PlanError(f"tensor {name}: {key} {v!r} is not a finite number")
        values[key] = v
    lo, hi, scale, zp = float(values["min"]), float(values["max"]), float(values["scale"]), values["zero_point"]
    if zp != int(zp):
        raise PlanError(f"tensor {name}: zero_point {zp!r} is not an integer")
    zp = int(zp)
    if not lo <= 0.0 <= hi or lo >= hi:
        raise PlanError(f"tensor {name}: range [{lo:g}, {hi:g}] must contain 0 and have min below max")
    if method == FIXED and op in LOCKED_OPS:
        expected = fixed_params(op)
    else:
        try:
            expected = nudge(lo, hi)
        except ValueError as exc:
            raise PlanError(f"tensor {name}: {exc}") from None
    if zp != expected.zero_point or not math.isclose(scale, expected.scale, rel_tol=1e-5):
        raise PlanError(f"tensor {name}: stored scale {scale:g} and zero point {zp} do not match its range "
                        f"[{lo:g}, {hi:g}] (which gives scale {expected.scale:g}, zero point {expected.zero_point}); "
                        "scale and zero point are derived from min/max, so this hand edit is refused rather than "
                        "silently ignored: edit min/max (or use qftune set-range) instead")
    return QuantParams(lo, hi, scale, zp)
