"""``entropy``: the clipping threshold minimising KL divergence (TensorRT style).

The histogram of |x| (of x for a non-negative tensor) is cut at candidate
thresholds from ``levels`` bins up; the cut distribution (outliers added to the last
bin) is compared with its ``levels``-level quantized version, and the threshold
with the least KL divergence wins. ``levels`` is 256 for a non-negative tensor (the
whole int8 grid covers [0, t]) and 128 for a signed one (half the grid per side).
"""

from __future__ import annotations

import numpy as np

from .base import Chooser

MAX_CANDIDATES = 160


def _magnitude_hist(hist):
    """Counts over bins of equal width from 0 to the largest |x|, and that width."""
    if hist.min >= 0:
        first = int(np.floor((0.0 - hist.lo) / hist.width + 1e-9))
        last = int(min(hist.bins, np.floor((hist.max - hist.lo) / hist.width) + 1))
        return hist.counts[first:last], hist.width
    top = max(abs(hist.min), abs(hist.max))
    n = hist.bins
    width = top / n
    idx = np.clip((np.abs(np.clip(hist.centers, hist.min, hist.max)) / width).astype(np.int64), 0, n - 1)
    return np.bincount(idx, weights=hist.counts, minlength=n), width


def _kl(p, q):
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def kl_threshold(counts, width, levels):
    nb = len(counts)
    if nb <= levels:
        return nb * width
    stride = max(1, (nb - levels) // MAX_CANDIDATES)
    best_i, best_kl = nb, np.inf
    for i in list(range(levels, nb, stride)) + [nb]:
        p = counts[:i].copy()
        p[-1] += counts[i:].sum()
        # quantize the first i bins into `levels` chunks, spreading each chunk over its non-empty bins
        chunk = np.minimum((np.arange(i) * levels) // i, levels - 1)
        nonzero = (counts[:i] > 0).astype(np.float64)
        sums = np.bincount(chunk, weights=counts[:i], minlength=levels)
        nz = np.bincount(chunk, weights=nonzero, minlength=levels)
        q = np.where(nonzero > 0, sums[chunk] / np.maximum(nz[chunk], 1.0), 0.0)
        ps, qs = p.sum(), q.sum()
        if ps <= 0 or qs <= 0:
            continue
        p_n, q_n = p / ps, q / qs
        q_n = np.where((p_n > 0) & (q_n <= 0), 1e-12, q_n)   # outlier mass where q has none
        kl = _kl(p_n, q_n)
        if kl < best_kl:
            best_kl, best_i = kl, i
    return best_i * width


class EntropyChooser(Chooser):
    name = "entropy"
    description = "Minimum KL divergence between the float and int8 histograms (TensorRT style)"

    def __init__(self, gamma: float = 1.0, **_):
        super().__init__(gamma)

    def _range(self, hist):
        counts, width = _magnitude_hist(hist)
        one_sided = hist.min >= 0
        t = kl_threshold(counts, width, 256 if one_sided else 128)
        if one_sided:
            return 0.0, min(hist.max, t)
        return max(hist.min, -t), min(hist.max, t)
