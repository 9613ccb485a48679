"""Time the greedy range search over every tensor of a plan; prints JSON.

    python bench/bench_greedy.py [--session S.qft] [--repeat 20]

Without a session: 66 synthetic 2048-bin histograms shaped like MobileNetV2
activations (ReLU outputs, signed projections, heavy-tailed adds). Times the whole
``GreedyChooser.choose`` per tensor (prefix sums included, caches cleared), and the
exhaustive search over the same candidate set for comparison.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.calib.histogram import Histogram  # noqa: E402
from core.choosers import GreedyChooser, cost_of, safe_nudge  # noqa: E402
from core.choosers.greedy import brute_force  # noqa: E402


def synthetic(n: int = 66, seed: int = 0) -> list[Histogram]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x = rng.standard_t(3 + i % 5, size=20000) * rng.uniform(0.1, 5)
        if i % 3 == 0:
            x = np.maximum(x, 0)            # ReLU output
        out.append(Histogram.from_values(x))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--session", default=None)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--gamma", type=float, default=1.0)
    args = ap.parse_args()
    if args.session:
        from core.session import Session

        plan = Session.load(args.session, verify_model=False).plan
        groups = {}
        for e in plan:
            if not e.locked:
                groups.setdefault(e.tensor.group or e.name, plan.group_stats(e.name))
        hists, source = list(groups.values()), args.session
    else:
        hists, source = synthetic(), "synthetic"
    chooser = GreedyChooser(args.gamma)
    times = []
    for _ in range(args.repeat):
        for h in hists:
            h.version += 1            # invalidate the cached prefix sums: time everything
        t0 = time.perf_counter()
        choices = chooser.choose_many(hists)      # what Plan does: all groups in one vectorised search
        times.append(time.perf_counter() - t0)
    one_by_one = []
    for _ in range(max(1, args.repeat // 4)):
        for h in hists:
            h.version += 1
        t0 = time.perf_counter()
        for h in hists:
            chooser.choose(h)
        one_by_one.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    worst = 0.0
    for h, c in zip(hists, choices, strict=True):
        _, costs = brute_force(h, args.gamma)
        best = float(costs.min())
        worst = max(worst, (c.cost - best) / best if best > 0 else 0.0)
    t_brute = time.perf_counter() - t0
    print(json.dumps({
        "bench": "greedy", "source": source, "tensors": len(hists), "bins": hists[0].bins, "gamma": args.gamma,
        "total_ms_median": 1000 * float(np.median(times)), "total_ms_min": 1000 * float(np.min(times)),
        "per_tensor_ms": 1000 * float(np.median(times)) / len(hists),
        "one_by_one_total_ms_median": 1000 * float(np.median(one_by_one)),
        "load_average_1min": __import__("os").getloadavg()[0], "cpus": __import__("os").cpu_count(),
        "brute_force_total_ms": 1000 * t_brute,
        "worst_excess_over_brute_force": worst, "goal_total_ms": 50.0,
        "minmax_never_better": all(c.cost <= cost_of(h, safe_nudge(h.min, h.max), args.gamma) + 1e-300
                                   for h, c in zip(hists, choices, strict=True)),
    }, indent=1))


if __name__ == "__main__":
    main()
