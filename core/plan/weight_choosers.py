"""Choosing a kernel's symmetric clip(s): the activation choosers on the folded kernel's values,
and ``output-mse``, which weighs each channel by how much its output varies.

A kernel range is symmetric (``[-m, m]``, zero point 0), so a chooser sees the kernel's values
mirrored (``w`` and ``-w``) and its range's larger end is the clip ``m``. ``minmax`` is
``max|w|`` exactly (the default export). Per channel, every channel is chosen on its own values.

``output-mse`` (per tensor) minimises the estimated error of the layer's *output*: channel
``c``'s kernel error ``e_c`` changes its output by about ``|e_c|^2 / |w_c|^2 · Var(y_c)``, where
``Var(y_c)`` is the channel's output variance the folded BatchNorm recorded over the training
data. A channel whose output never varies (a dead BN channel: its input is constant, here 0)
then costs nothing to clip, and the clip falls to the live channels' widest kernel instead of
the dead channels' outliers, which erase the live channels under per-tensor weights (Sheng et
al., arXiv 1803.08607 §3). Without BatchNorm statistics every channel weighs the same.
"""

from __future__ import annotations

import numpy as np

from ..calib.histogram import Histogram
from ..choosers import CHOOSERS, make_chooser
from .checks import PlanError
from .weight_entry import MIN_WEIGHT_RANGE, WEIGHT_QMAX, KernelStats, effective_granularity

OUTPUT_MSE = "output-mse"
WEIGHT_METHODS = {
    "minmax": "max|w| (the export's default: nothing clipped)",
    OUTPUT_MSE: "Minimum estimated output error: each channel weighted by its output variance (BatchNorm "
                "statistics), so channels whose output never varies cost nothing to clip",
    "mse": "Minimum mean squared error of the weights",
    "greedy": "The greedy search (rounding + saturation loss) on the weight histogram",
    "percentile": "Clips at the 99.99th percentile of |w|",
}
N_CANDIDATES = 160
MAX_CHANNEL_CANDIDATES = 64
MAX_SAMPLE = 200_000         # values per candidate evaluation (large kernels are subsampled)


def check_weight_method(method: str) -> str:
    if method not in WEIGHT_METHODS:
        raise PlanError(f"unknown weight method {method!r}; choose one of {', '.join(WEIGHT_METHODS)}")
    return method


def choose_clip(method: str, stats: KernelStats, granularity: str, gamma: float = 1.0) -> tuple[float, ...]:
    """The clip(s) ``method`` chooses for the kernel, one or one per channel (float32 values)."""
    check_weight_method(method)
    gran = effective_granularity(stats.kind, granularity)
    cols = stats.channels.astype(np.float64)          # (values, channels)
    if method == "minmax":
        m = stats.abs_max(gran)
    elif gran == "per-tensor":
        m = [_output_mse(cols, stats.out_variance) if method == OUTPUT_MSE
             else _histogram_clip(method, cols.ravel(), gamma)]
    else:
        m = [_output_mse(cols[:, [c]], None) if method == OUTPUT_MSE else _histogram_clip(method, cols[:, c], gamma)
             for c in range(cols.shape[1])]
    m = np.maximum(np.asarray(m, np.float32), np.float32(MIN_WEIGHT_RANGE))
    return tuple(float(v) for v in m)


def _histogram_clip(method: str, values: np.ndarray, gamma: float) -> float:
    a = np.abs(values)
    top = float(a.max()) if a.size else 0.0
    if top <= 0:
        return MIN_WEIGHT_RANGE
    if method not in CHOOSERS:
        raise PlanError(f"unknown weight method {method!r}")
    hist = Histogram.from_values(np.concatenate([values, -values]).astype(np.float32))
    choice = make_chooser(method, gamma=gamma).choose(hist)
    return float(min(max(-choice.params.min, choice.params.max), top))


def _sample_rows(cols: np.ndarray) -> np.ndarray:
    if cols.size <= MAX_SAMPLE:
        return cols
    rows = max(1, MAX_SAMPLE // cols.shape[1])
    idx = np.random.default_rng(0).choice(cols.shape[0], size=min(rows, cols.shape[0]), replace=False)
    return cols[np.sort(idx)]


def output_cost(cols: np.ndarray, out_variance: np.ndarray | None, m: float) -> float:
    """Estimated output error of the per-tensor clip ``m``: sum over channels of Var(y_c) |e_c|^2/|w_c|^2."""
    s = np.float64(np.float32(2.0) * np.float32(m) / np.float32(254.0))
    err = (np.clip(np.round(cols / s), -WEIGHT_QMAX, WEIGHT_QMAX) * s - cols) ** 2
    norm = np.sum(cols ** 2, axis=0)
    weight = np.ones(cols.shape[1]) if out_variance is None else np.asarray(out_variance, np.float64)
    rel = np.divide(np.sum(err, axis=0), norm, out=np.zeros_like(norm), where=norm > 0)
    return float(np.sum(weight * rel))


def _output_mse(cols: np.ndarray, out_variance: np.ndarray | None) -> float:
    cols = _sample_rows(cols)
    top = float(np.abs(cols).max()) if cols.size else 0.0
    if top <= 0:
        return MIN_WEIGHT_RANGE
    per_channel = np.sort(np.abs(cols).max(axis=0))[-MAX_CHANNEL_CANDIDATES:]   # the widest channels' own max|w|
    grid = np.geomspace(top / 1000.0, top, N_CANDIDATES)
    cands = np.unique(np.concatenate([grid, per_channel[per_channel > top / 1000.0]]))
    costs = [output_cost(cols, out_variance, m) for m in cands]
    return float(cands[int(np.argmin(costs))])
