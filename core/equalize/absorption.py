"""Bias absorption (DFQ section 4.1.1): move what CLE inflates out of W1's bias into W2's.

CLE scales a channel's weights *and bias* up by 1/s_i when s_i < 1, widening that
channel's activation range. For W1 -> ReLU -> W2 and a shift c_i >= 0,

    ReLU(x - c) = ReLU(x) - c    wherever x >= c,

so W1's bias can lose c_i and W2's bias gain W2·c (per output: sum over its input
channel i, and over the kernel's taps, of w * c_i). DFQ chooses
c_i = max(0, beta_i - 3 gamma_i) from the BN statistics of the pre-activation
(N(beta, gamma^2)): x < c then happens for about 0.1 % of a channel's values, where
the result is off by at most c_i - ReLU(x). Where W1 has no BN statistics, or the
activation is linear (an asymmetric int8 range already absorbs a shift), nothing is
moved. It is only applied where W2 reads no zero padding (1x1 convs, Dense): a
shifted channel's padded zeros would not be shifted, so the compensation would be
wrong at the borders (``Pair.absorbable``).
"""

from __future__ import annotations

import numpy as np

from .pairs import Pair

SIGMAS = 3.0


def _through(cls: str, kernel: np.ndarray, c: np.ndarray) -> np.ndarray:
    """W2 applied to a constant input c per input channel (what W2 adds when its input grows by c)."""
    if cls == "Dense":
        return c @ kernel
    if cls == "DepthwiseConv2D":
        return kernel.sum(axis=(0, 1))[:, 0] * c
    return np.einsum("hwio,i->o", kernel, c)


def absorb(params: dict[str, list], classes: dict[str, str], pairs: list[Pair],
           stats: dict[str, tuple[np.ndarray, np.ndarray]], sigmas: float = SIGMAS) -> dict[str, np.ndarray]:
    """Absorb biases over ``pairs`` in place; ``stats`` (W1 -> (mean, std) of its pre-activation,
    already scaled by CLE) is updated to the shifted pre-activation. Returns W1 -> c."""
    moved = {}
    for p in pairs:
        if p.activation == "linear" or not p.absorbable or p.first not in stats:
            continue
        k1, b1 = params[p.first]
        k2, b2 = params[p.second]
        if b1 is None:
            continue
        mean, std = stats[p.first]
        c = np.maximum(0.0, mean - sigmas * std)
        if not np.any(c > 0):
            continue
        b2 = np.zeros(k2.shape[-1] if classes[p.second] != "DepthwiseConv2D" else k2.shape[2]) if b2 is None else b2
        params[p.first] = [k1, b1 - c]
        params[p.second] = [k2, b2 + _through(classes[p.second], k2, c)]
        stats[p.first] = (mean - c, std)
        moved[p.first] = c
    return moved
