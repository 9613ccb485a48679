"""qftune's greedy chooser against PyTorch's ``HistogramObserver`` on the same values; prints JSON.

    python bench/bench_greedy_torch.py [--tensors 66] [--repeat 5] [--values 20000]

Needs ``torch`` importable (not a qftune dependency: ``pip install torch --index-url
https://download.pytorch.org/whl/cpu`` into any folder on ``PYTHONPATH``); without it the
script says so and exits 2.

For each tensor (the synthetic MobileNet-like activations of ``bench_greedy.py``):
- torch: ``HistogramObserver(bins=2048)`` (quint8, per-tensor affine) is fed the values once,
  then ``calculate_qparams()`` is timed (its ``_non_linear_param_search``: the search only);
- qftune: the 2048-bin :class:`Histogram` is built once, then ``GreedyChooser.choose`` is timed
  on that one tensor with its cached prefix sums cleared (the single-tensor path, not the
  vectorised all-tensors one).
Quality: the mean squared error of the VALUES fake-quantized with each method's scale and
zero point (both 256 levels), and its ratio qftune/torch (< 1: qftune's range is better).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.calib.histogram import Histogram  # noqa: E402
from core.choosers import GreedyChooser  # noqa: E402


def values(n: int, size: int, seed: int = 0) -> list[np.ndarray]:
    """Same shapes as bench_greedy.synthetic: t-distributed, every third one through a ReLU."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x = rng.standard_t(3 + i % 5, size=size) * rng.uniform(0.1, 5)
        if i % 3 == 0:
            x = np.maximum(x, 0)
        out.append(x.astype(np.float32))
    return out


def fake_quant_mse(x: np.ndarray, scale: float, zero_point: float, qmin: int, qmax: int) -> float:
    q = np.clip(np.round(x.astype(np.float64) / scale) + zero_point, qmin, qmax)
    return float(np.mean(((q - zero_point) * scale - x) ** 2))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tensors", type=int, default=66)
    ap.add_argument("--values", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    try:
        import torch
        from torch.ao.quantization.observer import HistogramObserver
    except ImportError:
        print("bench_greedy_torch: torch is not importable; install it (CPU wheel) to compare", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    chooser = GreedyChooser()
    rows = []
    for x in values(args.tensors, args.values):
        obs = HistogramObserver(bins=2048, dtype=torch.quint8, qscheme=torch.per_tensor_affine)
        obs(torch.from_numpy(x))
        t_torch = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            scale, zp = obs.calculate_qparams()
            t_torch.append(time.perf_counter() - t0)
        h = Histogram.from_values(x)
        t_ours = []
        for _ in range(args.repeat):
            h.version += 1                     # clear the cached prefix sums: time the whole search
            t0 = time.perf_counter()
            c = chooser.choose(h)
            t_ours.append(time.perf_counter() - t0)
        p = c.params
        mse_torch = fake_quant_mse(x, float(scale), float(zp), 0, 255)
        mse_ours = fake_quant_mse(x, p.scale, p.zero_point, -128, 127)
        rows.append((float(np.median(t_torch)), float(np.median(t_ours)), mse_torch, mse_ours))
    r = np.array(rows)
    speedup = r[:, 0] / r[:, 1]
    mse_ratio = r[:, 3] / r[:, 2]
    print(json.dumps({
        "bench": "greedy_vs_torch_histogram_observer", "torch": torch.__version__, "tensors": len(rows),
        "values_per_tensor": args.values, "bins": 2048, "repeat": args.repeat,
        "torch_ms_median": 1000 * float(np.median(r[:, 0])), "qftune_ms_median": 1000 * float(np.median(r[:, 1])),
        "torch_ms_min": 1000 * float(r[:, 0].min()), "qftune_ms_max": 1000 * float(r[:, 1].max()),
        "speedup_min": float(speedup.min()), "speedup_median": float(np.median(speedup)),
        "speedup_max": float(speedup.max()),
        "mse_ratio_qftune_over_torch_min": float(mse_ratio.min()),
        "mse_ratio_median": float(np.median(mse_ratio)), "mse_ratio_max": float(mse_ratio.max()),
        "goal": "speedup_min >= 10 and mse_ratio_max <= 1",
        "load_average_1min": os.getloadavg()[0], "cpus": os.cpu_count(),
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
