"""The accuracy table on the full 10,000-image Fashion-MNIST test set; prints JSON.

    python bench/bench_accuracy.py [--qf M.keras] [--orig M.keras] [--calib embedded] [--out DIR]

For each model (default: the two bundled MobileNetV2s): calibrate on *training*
images only (default: the embedded 100, 10 per class, from the training split),
choose ranges with greedy and min/max, export int8 with per-channel and per-tensor
weights, and evaluate float and int8 on ``fashion-mnist:test`` (LiteRT, 1 thread).
Targets: QF greedy within 0.5 pp of float; greedy never worse than min/max.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from core.demo import DemoConfig, run_demo
    from core.resources import RESOURCES

    ap = argparse.ArgumentParser()
    ap.add_argument("--qf", default=str(RESOURCES / "models/mobilenet_v2_qf_fmnist.keras"))
    ap.add_argument("--orig", default=str(RESOURCES / "models/mobilenet_v2_orig_fmnist.keras"))
    ap.add_argument("--calib", default="embedded", help="calibration spec (training split only)")
    ap.add_argument("--test", default="fashion-mnist:test")
    ap.add_argument("--out", default=None, help="keep the models and report here")
    args = ap.parse_args()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out or tmp)
        summary = run_demo(DemoConfig(out, models={"QF-MobileNetV2": args.qf, "MobileNetV2 (original)": args.orig},
                                      calib_data=args.calib, eval_data=args.test, compare_images=8, plots=False),
                           log=lambda m: print(m, file=sys.stderr, flush=True))
    table = [{k: r[k] for k in ("arch", "method", "weights", "top1", "drop_pp", "agreement", "size_bytes",
                                "latency_ms_median", "n_images")} for r in summary["results"]]
    qf = {(r["method"], r["weights"]): r for r in table if r["arch"] == "QF-MobileNetV2"}
    checks = {
        "qf_greedy_per_channel_within_0.5pp": qf[("greedy", "per-channel")]["drop_pp"] <= 0.5,
        "greedy_never_worse_than_minmax": all(
            next(r for r in table if r["arch"] == a and r["method"] == "greedy" and r["weights"] == w)["top1"]
            >= next(r for r in table if r["arch"] == a and r["method"] == "minmax" and r["weights"] == w)["top1"]
            for a in {r["arch"] for r in table} for w in ("per-channel", "per-tensor")),
    }
    print(json.dumps({"calib": args.calib, "test": args.test, "table": table, "checks": checks,
                      "seconds": round(time.perf_counter() - t0, 1)}, indent=2))


if __name__ == "__main__":
    main()
