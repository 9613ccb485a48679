"""The int8 grid exactly as TensorFlow's FakeQuant and TFLite store it.

``fake_quant_with_min_max_args(min, max, num_bits=8, narrow_range=False)`` nudges
the range so that 0.0 is exactly representable (float32 arithmetic, from
``fake_quant_ops_functor.h``); the converter then stores ``scale`` and
``zero_point = nudged_zero_point - 128`` for int8. Everything that shows or
compares a range goes through :func:`nudge` so the range shown is the range exported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

QMIN, QMAX = -128, 127          # int8 storage
_UQMIN, _UQMAX = 0.0, 255.0     # FakeQuant's unsigned grid for 8 bits, narrow_range=False
MIN_WIDTH = 1e-6                # narrower ranges are refused: a scale this small is meaningless


@dataclass(frozen=True)
class QuantParams:
    min: float        # nudged range, exactly representable ends of the grid
    max: float
    scale: float      # float32 value as stored in the .tflite
    zero_point: int   # int8 zero point as stored in the .tflite

    def quantize(self, x):
        return np.clip(np.round(np.asarray(x, np.float64) / self.scale) + self.zero_point, QMIN, QMAX)

    def dequantize(self, q):
        return (np.asarray(q, np.float64) - self.zero_point) * self.scale

    def fake_quant(self, x):
        return self.dequantize(self.quantize(x))

    def snap(self, value: float) -> float:
        """The representable value nearest to ``value`` (clamped to the grid)."""
        return float(self.fake_quant(value))


def _round_half_away(x: np.float32) -> float:
    return float(math.floor(abs(x) + 0.5) * (1 if x >= 0 else -1))


def _tf_nudge(rmin: float, rmax: float) -> QuantParams:
    """One application of FakeQuant's nudging (0 always included); float32 arithmetic."""
    if not (math.isfinite(rmin) and math.isfinite(rmax)):
        raise ValueError(f"range [{rmin}, {rmax}] is not finite")
    if rmin > rmax:
        raise ValueError(f"range min {rmin} is above max {rmax}")
    # the range is extended to include 0 (qftune's rule; TF's op itself would shift a range
    # without 0 to [0, max - min] or [min - max, 0], see docs/int8-spec.md section 2)
    lo = np.float32(min(rmin, 0.0))
    hi = np.float32(max(rmax, 0.0))
    scale = np.float32((hi - lo) / np.float32(_UQMAX - _UQMIN))
    if scale <= 0:
        raise ValueError(f"range [{rmin}, {rmax}] has zero width")
    zp_from_min = np.float32(np.float32(_UQMIN) - lo / scale)
    if zp_from_min < _UQMIN:
        nudged_zp = _UQMIN
    elif zp_from_min > _UQMAX:
        nudged_zp = _UQMAX
    else:
        nudged_zp = _round_half_away(zp_from_min)
    nmin = np.float32((np.float32(_UQMIN) - np.float32(nudged_zp)) * scale)
    nmax = np.float32((np.float32(_UQMAX) - np.float32(nudged_zp)) * scale)
    return QuantParams(float(nmin), float(nmax), float(scale), int(nudged_zp) + QMIN)


def params_from_scale(scale: float, zero_point: int) -> QuantParams:
    """The range a stored (scale, zero_point) represents."""
    scale = float(np.float32(scale))
    lo = float(np.float32((QMIN - zero_point) * np.float32(scale)))
    hi = float(np.float32((QMAX - zero_point) * np.float32(scale)))
    return QuantParams(lo, hi, scale, int(zero_point))


def _ulps_apart(a: float, b: float) -> int:
    return abs(int(np.float32(a).view(np.int32)) - int(np.float32(b).view(np.int32)))


def nudge(rmin: float, rmax: float) -> QuantParams:
    """The int8 grid that FakeQuant(``rmin``, ``rmax``) and the TFLite converter will store.

    Returns the nudged ``min``/``max`` to hand to FakeQuant and the ``scale`` and
    ``zero_point`` the converter stores for them. The converter derives the scale
    from the min/max it is given, which for an already nudged range can differ from
    the first nudge's scale in the last bit; so the scale returned is the one the
    converter computes for the range returned (:func:`stored_scale`).

    Idempotent: ``nudge(p.min, p.max) == p``, so a range read back from a plan,
    a session or the GUI never drifts.
    """
    first = _tf_nudge(rmin, rmax)
    lo, hi = first.min, first.max
    if _ulps_apart(first.min, rmin) <= 2 and _ulps_apart(first.max, rmax) <= 2:
        # already on the grid: keep the caller's ends exactly
        if float(np.float32(rmin)) <= 0.0 <= float(np.float32(rmax)):
            lo, hi = float(np.float32(rmin)), float(np.float32(rmax))
    again = _tf_nudge(lo, hi)
    if again.zero_point != first.zero_point:   # pathological rounding tie: take the re-nudged grid whole
        lo, hi = again.min, again.max
    return QuantParams(lo, hi, stored_scale(lo, hi), first.zero_point if again.zero_point == first.zero_point
                       else again.zero_point)


INT16_QMAX = 32767   # 16x8: int16 activations, symmetric, zero point 0


def int16_scale(p: QuantParams) -> float:
    """The int16 (16x8) scale of a plan range: the spec wants zero point 0, so the 16-bit grid is the
    symmetric one on the same nudged ends, ``max(|min|, |max|) / 32767`` (computed in double from the
    float32 ends, rounded once to float32: what ai-edge-quantizer stores, measured bit-exact). A
    ReLU range [0, 6] gets 6 / 32767 = 1.83e-4 against the int8 6 / 255: 128x finer."""
    bound = max(abs(np.float64(np.float32(p.min))), abs(np.float64(np.float32(p.max))), 1e-9)
    return float(np.float32(bound / INT16_QMAX))


def stored_scale(lo: float, hi: float) -> float:
    """The scale the TFLite converter stores for FakeQuant(lo, hi) on an on-grid range:
    computed in double from the float32 ends, rounded once to float32 (measured
    bit-exact on every tensor of exported MobileNets)."""
    return float(np.float32((np.float64(np.float32(hi)) - np.float64(np.float32(lo))) / 255.0))
