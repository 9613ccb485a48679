"""Per-channel pre-activation statistics from BatchNorm, and expectations through ReLU.

After BN, a conv's pre-activation in channel i is (approximately) normal with mean
beta_i and standard deviation |gamma_i| (the BN's learned shift and scale): the DFQ
paper's assumption for bias absorption and analytic bias correction. Once BN is
folded these numbers are gone from the model, so ``qftune equalize`` keeps them
(scaled by CLE, shifted by absorption) in the ``.dfq.json`` sidecar of its output.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..models.bn_fold import foldable_pairs


def bn_preact_stats(model) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """conv/dense layer name -> (mean, std) per output channel, for every layer with a foldable BN."""
    out = {}
    for conv, bn_name in foldable_pairs(model).items():
        bn = model.get_layer(bn_name)
        w = {v.path.split("/")[-1]: np.asarray(v.numpy(), np.float64) for v in bn.weights}
        mean = w["moving_mean"]
        gamma = w.get("gamma", np.ones_like(mean))
        beta = w.get("beta", np.zeros_like(mean))
        out[conv] = (beta.copy(), np.abs(gamma))
    return out


def sidecar_path(model_path: str | Path) -> Path:
    """``M_eq.keras`` -> ``M_eq.dfq.json`` (the equalize report with the pre-activation statistics)."""
    p = Path(model_path)
    return p.with_name(p.stem + ".dfq.json")


def load_sidecar_stats(model_path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The pre-activation statistics an equalized model's sidecar keeps ({} when there is none)."""
    if model_path is None:
        return {}
    p = sidecar_path(model_path)
    if not p.exists():
        return {}
    doc = json.loads(p.read_text())
    return {k: (np.asarray(v["mean"], np.float64), np.asarray(v["std"], np.float64))
            for k, v in (doc.get("preact_stats") or {}).items()}


def _phi(z):
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _cdf(z):
    from math import erf

    return 0.5 * (1.0 + np.vectorize(erf)(z / math.sqrt(2.0)))


def expected_clipped(mean: np.ndarray, std: np.ndarray, lo: float = 0.0, hi: float | None = None) -> np.ndarray:
    """E[clip(X, lo, hi)] for X ~ N(mean, std^2) per channel (hi None: no upper clip).

    ReLU: lo=0, hi=None; ReLU6: lo=0, hi=6. A zero std gives clip(mean).
    """
    mean = np.asarray(mean, np.float64)
    std = np.asarray(std, np.float64)
    safe = np.where(std > 0, std, 1.0)
    a = (lo - mean) / safe
    e = lo * _cdf(a) + mean * (1 - _cdf(a)) + std * _phi(a)     # E[max(X, lo)]
    if hi is not None:
        b = (hi - mean) / safe
        # E[clip] = lo*P(X<lo) + E[X; lo<X<hi] + hi*P(X>hi)
        e = (lo * _cdf(a) + mean * (_cdf(b) - _cdf(a)) + std * (_phi(a) - _phi(b)) + hi * (1 - _cdf(b)))
    hard = np.clip(mean, lo, hi if hi is not None else np.inf)
    return np.where(std > 0, e, hard)
