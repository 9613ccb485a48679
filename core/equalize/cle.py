"""Cross-layer equalization (DFQ section 4.1) on BN-folded (kernel, bias) parameters.

For a pair W1 -> f -> W2 (f positive-homogeneous per channel, see :mod:`.pairs`),
dividing output channel i of W1 (and its bias) by s_i > 0 and multiplying input
channel i of W2 by s_i leaves the function unchanged. With r1_i the range (max|w|) of
W1's output channel i and r2_i the range of W2's input channel i, DFQ's choice

    s_i = sqrt(r1_i * r2_i) / r2_i

makes both ranges sqrt(r1_i * r2_i). A depthwise layer sits in two pairs
(expand -> dw and dw -> project), so equalizing one unbalances the other: the
sweep over all pairs repeats until every s_i of a sweep is within ``tol`` of 1.
"""

from __future__ import annotations

import numpy as np

from .pairs import Pair

MAX_SWEEPS = 500
TOL = 1e-6


def out_ranges(cls: str, kernel: np.ndarray) -> np.ndarray:
    """max|w| per output channel (Conv2D: last axis; DepthwiseConv2D: channel axis 2; Dense: axis 1)."""
    k = np.abs(kernel)
    if cls == "DepthwiseConv2D":
        return k.max(axis=(0, 1, 3))
    return k.reshape(-1, k.shape[-1]).max(axis=0)


def in_ranges(cls: str, kernel: np.ndarray) -> np.ndarray:
    """max|w| per input channel (Conv2D/DepthwiseConv2D: axis 2; Dense: axis 0)."""
    k = np.abs(kernel)
    if cls == "Dense":
        return k.max(axis=1)
    return k.max(axis=(0, 1, 3))


def scale_out(cls: str, kernel: np.ndarray, bias, s: np.ndarray):
    """W1 output channel i (and bias i) divided by s_i."""
    if cls == "DepthwiseConv2D":
        kernel = kernel / s.reshape(1, 1, -1, 1)
    else:
        kernel = kernel / s
    return kernel, (None if bias is None else bias / s)


def scale_in(cls: str, kernel: np.ndarray, s: np.ndarray) -> np.ndarray:
    """W2 input channel i multiplied by s_i."""
    if cls == "Dense":
        return kernel * s.reshape(-1, 1)
    return kernel * s.reshape(1, 1, -1, 1)


def pair_scales(r1: np.ndarray, r2: np.ndarray) -> np.ndarray:
    """s_i = sqrt(r1_i r2_i) / r2_i; 1 where either range is zero (a dead channel stays as it is)."""
    ok = (r1 > 0) & (r2 > 0)
    s = np.ones_like(r1)
    s[ok] = np.sqrt(r1[ok] * r2[ok]) / r2[ok]
    return s


def equalize(params: dict[str, list], classes: dict[str, str], pairs: list[Pair],
             max_sweeps: int = MAX_SWEEPS, tol: float = TOL) -> tuple[dict[str, np.ndarray], int, float]:
    """Equalize ``params`` (layer -> [kernel, bias or None], float64, modified in place) over ``pairs``.

    ``classes`` maps layer -> Keras class name. Returns (cumulative s per pair's W1 name,
    sweeps run, last sweep's max |s - 1|).
    """
    total = {p.first: np.ones(out_ranges(classes[p.first], params[p.first][0]).shape) for p in pairs}
    worst, sweeps = 0.0, 0
    while sweeps < max_sweeps:
        sweeps += 1
        worst = 0.0
        for p in pairs:
            c1, c2 = classes[p.first], classes[p.second]
            k1, b1 = params[p.first]
            k2, b2 = params[p.second]
            s = pair_scales(out_ranges(c1, k1), in_ranges(c2, k2))
            params[p.first] = list(scale_out(c1, k1, b1, s))
            params[p.second] = [scale_in(c2, k2, s), b2]
            total[p.first] *= s
            worst = max(worst, float(np.max(np.abs(s - 1.0))) if s.size else 0.0)
        if worst < tol:
            break
    return total, sweeps, worst
