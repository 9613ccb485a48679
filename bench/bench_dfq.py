"""Data-free fixes beside the QF architecture, side by side (issue 12); prints JSON, then a markdown table on stderr.

    python bench/bench_dfq.py [--qf M.keras] [--orig M.keras] [--calib SPEC] [--per-class N|auto]
        [--data SPEC] [--out DIR]

For each model (default: the two bundled MobileNetV2s) and each variant

* ``plain``      — the model as trained;
* ``BC``         — plain, int8 biases corrected (``--bias-correction analytic``);
* ``CLE+BA``     — ``qftune equalize`` (BN folded, CLE, bias absorption, ReLU6 -> ReLU between pairs);
* ``CLE+BA+BC``  — both (analytic BC from the equalized model's BN statistics, empirical for the stem),

calibrate on training images (default ``fashion-mnist:train``, 1,000 images balanced; the
embedded 100 if that set is missing), choose greedy and min/max ranges, export int8 with
per-channel and per-tensor weights (verified), evaluate on ``--data`` (default the
embedded 2,000 evaluation images) with LiteRT, 1 thread, and compare every variant with
``plain`` of the same model, method and weights by McNemar's exact test.
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

VARIANTS = ("plain", "BC", "CLE+BA", "CLE+BA+BC")
CELLS = [(m, w) for m in ("greedy", "minmax") for w in ("per-channel", "per-tensor")]


def mcnemar(a_right: np.ndarray, b_right: np.ndarray) -> dict:
    b, c = int(np.sum(a_right & ~b_right)), int(np.sum(~a_right & b_right))
    n = b + c
    p = 1.0 if n == 0 else min(1.0, 2.0 * sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2.0 ** n)
    return {"only_variant_right": b, "only_plain_right": c, "p_exact": round(p, 4)}


def markdown(table: list[dict], mcn: list[dict], data: str) -> str:
    head = "| model | variant | float | " + " | ".join(f"{m} {w}" for m, w in CELLS) + " |"
    lines = [f"Top-1 % on {data} (drop from the plain float model in pp)", "", head,
             "|" + "---|" * (3 + len(CELLS))]
    for arch in dict.fromkeys(r["arch"] for r in table):
        plain_float = next(r for r in table if r["arch"] == arch and r["variant"] == "plain" and r["method"] == "float")
        for v in VARIANTS:
            rows = {(r["method"], r["weights"]): r for r in table if r["arch"] == arch and r["variant"] == v}
            if not rows:
                continue
            f = rows.get(("float", "float32"))
            cells = [f"{f['top1'] * 100:.2f}" if f else "="]
            for m, w in CELLS:
                r = rows[(m, w)]
                cells.append(f"{r['top1'] * 100:.2f} ({(plain_float['top1'] - r['top1']) * 100:+.2f})")
            lines.append(f"| {arch} | {v} | " + " | ".join(cells) + " |")
    lines += ["", "McNemar vs plain (images right only under the variant / only under plain, exact p):", "",
              "| model | variant | " + " | ".join(f"{m} {w}" for m, w in CELLS) + " |", "|" + "---|" * (2 + len(CELLS))]
    for arch in dict.fromkeys(r["arch"] for r in mcn):
        for v in VARIANTS[1:]:
            rows = {(r["method"], r["weights"]): r for r in mcn if r["arch"] == arch and r["variant"] == v}
            if rows:
                lines.append(f"| {arch} | {v} | " + " | ".join(
                    f"{rows[c]['only_variant_right']}/{rows[c]['only_plain_right']} (p {rows[c]['p_exact']:.2f})"
                    for c in CELLS) + " |")
    return "\n".join(lines)


def main() -> None:
    from core.ablation import export_and_evaluate_cells
    from core.atomic import atomic_write_bytes
    from core.calibrate import AUTO, calibrate, calibration_images
    from core.data import load_dataset, to_model_input
    from core.equalize import equalize_model
    from core.equalize.write import write_result
    from core.evaluate import evaluate
    from core.export import convert_float
    from core.models.loading import load_model
    from core.resources import RESOURCES

    ap = argparse.ArgumentParser()
    ap.add_argument("--qf", default=str(RESOURCES / "models/mobilenet_v2_qf_fmnist.keras"))
    ap.add_argument("--orig", default=str(RESOURCES / "models/mobilenet_v2_orig_fmnist.keras"))
    ap.add_argument("--calib", default="fashion-mnist:train", help="calibration spec (training split only)")
    ap.add_argument("--per-class", default=AUTO, help="calibration images per class or 'auto' (1,000 in all)")
    ap.add_argument("--data", default="embedded:eval", help="evaluation spec (default embedded:eval, 2,000 images)")
    ap.add_argument("--out", default=None, help="keep the models here")
    args = ap.parse_args()
    per_class = args.per_class if args.per_class == AUTO else int(args.per_class)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731

    t0 = time.perf_counter()
    calib_spec = args.calib
    try:
        calib_ds = calibration_images(calib_spec, per_class)
    except (FileNotFoundError, ValueError) as exc:
        log(f"{calib_spec} unavailable ({exc}); calibrating on the embedded 100 images")
        calib_spec, per_class = "embedded", AUTO
        calib_ds = calibration_images(calib_spec, per_class)
    eval_ds = load_dataset(args.data, default_split="test")
    eval_keys = {im.tobytes() for im in eval_ds.images}
    if any(im.tobytes() in eval_keys for im in calib_ds.images):
        raise SystemExit("calibration images overlap the evaluation images: refusing")
    table, mcn, eq_info = [], [], {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out or tmp)
        out.mkdir(parents=True, exist_ok=True)
        for arch, model_path in (("MobileNetV2 (original)", args.orig), ("QF-MobileNetV2", args.qf)):
            slug = "qf" if arch.startswith("QF") else "orig"
            original = load_model(model_path)
            te = time.perf_counter()
            eq = equalize_model(original)
            eq_path = out / f"{slug}_eq.keras"
            write_result(eq, model_path, eq_path)
            eq_info[arch] = {"pairs": len(eq.pairs), "sweeps": eq.sweeps, "relu6_replaced": len(eq.relu6_replaced),
                             "absorbed_layers": len(eq.absorbed), "seconds": round(time.perf_counter() - te, 1),
                             "depthwise_spread_before_max": max(r["spread_before"] for r in eq.spread
                                                                if r["type"] == "DepthwiseConv2D"),
                             "depthwise_spread_after_max": max(r["spread_after"] for r in eq.spread
                                                               if r["type"] == "DepthwiseConv2D")}
            preds = {}
            for variant in VARIANTS:
                cle = variant.startswith("CLE")
                path = str(eq_path) if cle else model_path
                model = load_model(path)
                x_cal = to_model_input(calib_ds.images, model.input_shape)
                if variant in ("plain", "CLE+BA"):
                    fpath = out / f"{slug}_{variant}_float.tflite"
                    atomic_write_bytes(fpath, convert_float(model))
                    f = evaluate(fpath, dataset=eval_ds)
                    table.append({"arch": arch, "variant": variant, "method": "float", "weights": "float32",
                                  "top1": f.top1, "n_images": f.n_images})
                    log(f"[{arch}] {variant} float {f.top1 * 100:.2f}%")
                if variant in ("plain", "CLE+BA"):
                    greedy = calibrate(path, calib_spec, per_class=per_class)
                    plans = {"greedy": greedy.plan, "minmax": greedy.plan.rechoose("minmax")}
                bc = "analytic" if variant.endswith("BC") else "none"
                stats = eq.preact_stats if cle else None
                cells = export_and_evaluate_cells(model, path, plans, out, f"{slug}_{variant.replace('+', '_')}",
                                                  eval_ds, None, weights=("per-channel", "per-tensor"),
                                                  bias_correction=bc, calib_images=x_cal, preact_stats=stats)
                for (method, w), (rep, r) in cells.items():
                    preds[(variant, method, w)] = r.predictions
                    row = {"arch": arch, "variant": variant, "method": method, "weights": w, "top1": r.top1,
                           "n_images": r.n_images, "verified": rep.verification["ok"]}
                    if rep.bias_correction:
                        lay = rep.bias_correction["layers"]
                        row["bc_mean_abs_shift_before"] = float(np.mean([x["mean_abs_shift_before"] for x in lay]))
                        row["bc_mean_abs_shift_after"] = float(np.mean([x["mean_abs_shift_after"] for x in lay]))
                    table.append(row)
                    log(f"[{arch}] {variant} {method} {w} {r.top1 * 100:.2f}%")
            right = lambda p: p == eval_ds.labels  # noqa: E731
            for variant in VARIANTS[1:]:
                for method, w in CELLS:
                    mcn.append({"arch": arch, "variant": variant, "method": method, "weights": w,
                                **mcnemar(right(preds[(variant, method, w)]), right(preds[("plain", method, w)]))})
    doc = {"calib": {"data": calib_spec, "n_images": len(calib_ds)}, "data": args.data, "n_eval": len(eval_ds),
           "equalize": eq_info, "table": table, "mcnemar_vs_plain": mcn,
           "seconds": round(time.perf_counter() - t0, 1)}
    print(json.dumps(doc, indent=2))
    log(markdown(table, mcn, f"{args.data} ({len(eval_ds)} images)"))


if __name__ == "__main__":
    main()
