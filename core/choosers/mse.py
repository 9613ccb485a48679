"""``mse``: the range minimising the simulated L2 error of fake-quantizing the histogram.

One-parameter family: the min/max range scaled by a factor ``f`` in (0, 1] (0 keeps
its place on the grid); each candidate fake-quantizes every bin centre exactly
(rounding and clipping, as TFLite would) rather than using the ``Δ²/12`` model of
``greedy``. NVIDIA pytorch-quantization's ``mse`` method works this way.
"""

from __future__ import annotations

import numpy as np

from .base import Chooser

N_CANDIDATES = 200


class MseChooser(Chooser):
    name = "mse"
    description = "Minimum mean squared error"

    def __init__(self, gamma: float = 1.0, n_candidates: int = N_CANDIDATES, **_):
        super().__init__(gamma)
        self.n_candidates = int(n_candidates)

    def _range(self, hist):
        lo, hi = min(hist.min, 0.0), max(hist.max, 0.0)
        if not hi > lo:
            return lo, hi
        f = np.linspace(1.0 / self.n_candidates, 1.0, self.n_candidates)[:, None]
        a, b = lo * f, hi * f
        scale = (b - a) / 255.0
        zp = np.clip(np.round(-a / scale), 0, 255)
        c = np.clip(hist.centers, hist.min, hist.max)[None, :]
        q = np.clip(np.round(c / scale) + zp, 0, 255)
        err = ((q - zp) * scale - c) ** 2 @ hist.counts
        k = int(np.argmin(err))
        return float(a[k, 0]), float(b[k, 0])
