"""The accuracy table on the full 10,000-image Fashion-MNIST test set; prints JSON.

    python bench/bench_accuracy.py [--qf M.keras] [--orig M.keras] [--calib SPEC] [--per-class N|auto]
        [--data SPEC] [--data-range START:END] [--out DIR]

For each model (default: the two bundled MobileNetV2s): calibrate on *training*
images only with qftune's defaults (``--calib fashion-mnist:train``, ``--per-class
auto`` = 1,000 images, 100 per class, the first of each class; gamma 1; see
docs/greedy.md for the validation that chose them), choose ranges with greedy and
min/max from the same statistics, export int8 with per-channel and per-tensor weights
(verified) and evaluate float and int8 (LiteRT, 1 thread, single-image invokes as
``qftune evaluate``) on ``--data`` (default ``fashion-mnist:test``).

``--data fashion-mnist:train --data-range 50000:60000`` evaluates on a validation
split of the training set instead (calibration images must not overlap it; checked).
For every weight granularity it also counts the images where greedy and min/max
disagree on correctness (McNemar: only greedy right / only min/max right).
Targets: QF greedy within 0.5 pp of float; greedy never worse than min/max.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def mcnemar(a_right: np.ndarray, b_right: np.ndarray) -> dict:
    b, c = int(np.sum(a_right & ~b_right)), int(np.sum(~a_right & b_right))
    n = b + c
    p = 1.0 if n == 0 else min(1.0, 2.0 * sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2.0 ** n)
    return {"only_greedy_right": b, "only_minmax_right": c, "p_exact": round(p, 4)}


def main() -> None:
    from _accuracy_kit import eval_set, refuse_overlap

    from core.ablation import export_and_evaluate_cells
    from core.atomic import atomic_write_bytes
    from core.calibrate import AUTO, calibrate
    from core.evaluate import evaluate
    from core.export import convert_float
    from core.models.bn_fold import folded_weights
    from core.models.loading import load_model
    from core.resources import RESOURCES

    ap = argparse.ArgumentParser()
    ap.add_argument("--qf", default=str(RESOURCES / "models/mobilenet_v2_qf_fmnist.keras"))
    ap.add_argument("--orig", default=str(RESOURCES / "models/mobilenet_v2_orig_fmnist.keras"))
    ap.add_argument("--calib", default="fashion-mnist:train", help="calibration spec (training split only)")
    ap.add_argument("--per-class", default=AUTO,
                    help="calibration images per class, 'auto' (default: 1,000 in all) or 'all'")
    ap.add_argument("--gamma", type=float, default=1.0)
    ap.add_argument("--data", "--test", dest="data", default="fashion-mnist:test", help="evaluation spec")
    ap.add_argument("--data-range", default=None, metavar="START:END",
                    help="evaluate on these images of --data only")
    ap.add_argument("--out", default=None, help="keep the models here")
    args = ap.parse_args()
    per_class = args.per_class if args.per_class in (AUTO, "all") else int(args.per_class)
    per_class = None if per_class == "all" else per_class
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731

    t0 = time.perf_counter()
    eval_ds, data_label = eval_set(args.data, args.data_range)
    table, mcn, calib_meta = [], [], {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out or tmp)
        out.mkdir(parents=True, exist_ok=True)
        for label, model_path in (("QF-MobileNetV2", args.qf), ("MobileNetV2 (original)", args.orig)):
            greedy = calibrate(model_path, args.calib, per_class=per_class, gamma=args.gamma)
            calib_meta = {k: greedy.calibration[k] for k in ("data", "per_class", "n_images", "gamma")}
            refuse_overlap(args.calib, per_class, eval_ds)
            plans = {"greedy": greedy.plan, "minmax": greedy.plan.rechoose("minmax")}
            model = load_model(model_path)
            folded = folded_weights(model)
            slug = "qf" if label.startswith("QF") else "orig"
            float_path = out / f"{slug}_float.tflite"
            atomic_write_bytes(float_path, convert_float(model, folded))
            f = evaluate(float_path, dataset=eval_ds)
            table.append({"arch": label, "method": "float", "weights": "float32", "top1": f.top1, "drop_pp": None,
                          "agreement": None, "size_bytes": f.size_bytes, "latency_ms_median": f.latency_ms_median,
                          "n_images": f.n_images})
            log(f"[{label}] float {f.top1 * 100:.2f}%")
            preds = {}
            cells = export_and_evaluate_cells(model, model_path, plans, out, slug, eval_ds, None, folded,
                                              weights=("per-channel", "per-tensor"))
            for (method, w), (_report, r) in cells.items():
                preds[(method, w)] = r.predictions
                table.append({"arch": label, "method": method, "weights": w, "top1": r.top1,
                              "drop_pp": round((f.top1 - r.top1) * 100.0, 2),
                              "agreement": float(np.mean(r.predictions == f.predictions)),
                              "size_bytes": r.size_bytes, "latency_ms_median": r.latency_ms_median,
                              "n_images": r.n_images})
                log(f"[{label}] {method} {w} {r.top1 * 100:.2f}%")
            for w in ("per-channel", "per-tensor"):
                mcn.append({"arch": label, "weights": w, **mcnemar(preds[("greedy", w)] == eval_ds.labels,
                                                                   preds[("minmax", w)] == eval_ds.labels)})
    qf = {(r["method"], r["weights"]): r for r in table if r["arch"] == "QF-MobileNetV2"}
    def row(a, m, w):
        return next(r for r in table if r["arch"] == a and r["method"] == m and r["weights"] == w)

    checks = {
        "qf_greedy_per_channel_within_0.5pp": qf[("greedy", "per-channel")]["drop_pp"] <= 0.5,
        "qf_greedy_per_tensor_within_0.5pp": qf[("greedy", "per-tensor")]["drop_pp"] <= 0.5,
        "greedy_never_worse_than_minmax": all(row(a, "greedy", w)["top1"] >= row(a, "minmax", w)["top1"]
                                              for a in {r["arch"] for r in table}
                                              for w in ("per-channel", "per-tensor")),
    }
    print(json.dumps({"calib": calib_meta, "data": data_label, "table": table, "greedy_vs_minmax": mcn,
                      "checks": checks, "seconds": round(time.perf_counter() - t0, 1)}, indent=2))


if __name__ == "__main__":
    main()
