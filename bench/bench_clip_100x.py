"""Why a per-tensor weight clip cannot bring the synthetic 100x model to its per-channel figure; prints JSON.

    python bench/bench_clip_100x.py [--data SPEC] [--out DIR]

The model of bench/bench_autotune_100x.py (channel 0 of every depthwise conv x100, the next pointwise's
input channel 0 /100), calibrated on 1,000 Fashion-MNIST training images. Every plan is exported with
qftune's verified export (default weights per tensor) and evaluated with LiteRT on ``--data`` (the full
10k test set): all per channel (the reference), only the depthwise kernels per channel, and the 17
depthwise kernels clipped per tensor at ``c x`` the widest *small* channel (every channel but the x100 one:
the clip that serves the 1x channels best) for c from 1 to 30 (c = 100: max|w|, no clip), plus the
output-mse chooser's clip. The curve says how much any single per-tensor clip per depthwise kernel can give.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from _cli import must, out_dir, print_result

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FACTORS = (1.0, 3.0, 10.0, 30.0)
BEST_FACTOR = 30.0       # the best of FACTORS on the first run (24.71 % against 22.28 % unclipped)


def main() -> int:
    from bench_autotune_100x import skewed_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="fashion-mnist:test")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    with out_dir(args.out) as d:
        t0 = time.perf_counter()
        if not (d / "s.qft").exists():
            skewed_model(d / "skewed.keras")
            must("calibrate", d / "skewed.keras", "--data", "fashion-mnist", "--out", d / "s.qft", "--force")
        print_result(clip_curve(args.data, d, t0))
    return 0


def clip_curve(data: str, d: Path, t0: float) -> dict:
    """The top-1 of every plan (module docstring) exported into ``d`` and evaluated on ``data``."""
    from core.data import load_dataset
    from core.evaluate import evaluate
    from core.export import export_int8
    from core.models.bn_fold import folded_weights
    from core.models.loading import load_model
    from core.plan.weight_choosers import choose_clip
    from core.plan.weight_entry import WeightEntry, WeightPlan, WeightState
    from core.session import Session
    from core.weights import kernel_stats

    session = Session.load(d / "s.qft")
    model = load_model(session.model_path)
    folded = folded_weights(model)
    stats = kernel_stats(model, folded)
    plan = session.plan
    kinds = {layer: e.kind for layer, e in plan.weights.items()}
    dws = [f"block{i}_dw" for i in range(17)]
    small = {dw: float(np.abs(stats[dw].channels[:, 1:]).max()) for dw in dws}
    big = {dw: float(np.abs(stats[dw].channels).max()) for dw in dws}

    def run(name: str, states: dict) -> float:
        wp = WeightPlan({layer: WeightEntry(layer, kinds[layer], s) for layer, s in states.items()}, {})
        path = d / f"{name}.tflite"
        export_int8(model, plan.tensors, plan.ranges(), path, weights="per-tensor", weight_plan=wp, force=True)
        top1 = evaluate(str(path), dataset=load_dataset(data)).top1
        print(f"{name}: {100 * top1:.2f} %", file=sys.stderr, flush=True)
        return round(100 * top1, 2)

    pc = WeightState("per-channel", "minmax", None)
    rows = {"every kernel per-channel": run("all_pc", {layer: pc for layer in kinds}),
            "every kernel per-tensor (max|w|)": run("all_pt", {}),
            "depthwise per-channel, the rest per-tensor": run("dw_pc", {dw: pc for dw in dws}),
            "depthwise per-tensor (max|w|), the rest per-channel": run("rest_pc", {
                layer: pc for layer in kinds if layer not in dws and kinds[layer] != "Dense"}),
            f"depthwise per-tensor clip at {BEST_FACTOR:g}x the widest small channel, the rest per-channel": run(
                "dw_clip_rest_pc", {**{layer: pc for layer in kinds if layer not in dws and kinds[layer] != "Dense"},
                                    **{dw: WeightState("per-tensor", "user", (min(BEST_FACTOR * small[dw], big[dw]),))
                                       for dw in dws}}),
            "depthwise per-tensor output-mse clip": run("dw_omse", {
                dw: WeightState("per-tensor", "output-mse", choose_clip("output-mse", stats[dw], "per-tensor"))
                for dw in dws})}
    curve = {}
    for c in FACTORS:
        curve[c] = run(f"dw_clip_{c:g}", {dw: WeightState("per-tensor", "user", (min(c * small[dw], big[dw]),))
                                          for dw in dws})
    result = {"model": "bundled QF-MobileNetV2, channel 0 of every depthwise x100 (next pointwise /100)",
              "data": data, "top1": rows,
              "depthwise_clip_curve": {"clip (x widest small channel)": list(curve),
                                       "top1": list(curve.values())},
              "spread_big_over_small": {dw: round(big[dw] / small[dw], 1) for dw in dws},
              "seconds": round(time.perf_counter() - t0, 1)}
    return result


if __name__ == "__main__":
    raise SystemExit(main())
