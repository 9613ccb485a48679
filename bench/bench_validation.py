"""Greedy vs min/max on a *validation split of the training set*; prints JSON.

    python bench/bench_validation.py [--models QF.keras,ORIG.keras] [--val-start 50000] [--val-n 10000]
        [--calib 10,100,1000] [--gammas 1,3] [--seeds 0] [--weights per-channel,per-tensor]
        [--cost-images 256] [--threads 1] [--out results.json]
    python bench/bench_validation.py --summarize results.json more_seeds.json

The test set is never touched. Validation = training images ``val_start ..
val_start + val_n - 1`` of ``fashion-mnist:train``; calibration = ``n / 10`` images
per class taken from the training images *before* ``val_start`` (seed 0: the first
ones, so ``--calib 100`` is exactly the embedded calibration set), so the two never
overlap (checked). Caveat: the bundled models were trained on all 60,000 training
images, so validation images were seen in training (float top-1 is higher there
than on test); the int8-vs-float *flips* are still what quantization does.

For every model x calibration set x range choice (min/max, greedy at each gamma) x
weight granularity: export int8 (verified, as ``qftune export``), run the 10,000
validation images (LiteRT, batched), report top-1, disagreement with the float
model, and a McNemar count of images where greedy and min/max disagree on
correctness (b: only greedy right, c: only min/max right, exact two-sided p).

Per-tensor cost check (``--cost-images`` validation images, never used to choose):
for every editable tensor group, the exact fake-quant MSE of the activations and
the histogram cost ``E_round + gamma*E_sat`` (what the search minimises) of greedy's
range against min/max's range on that held-out batch.
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


def mcnemar(a_right: np.ndarray, b_right: np.ndarray) -> dict:
    """b = only A right, c = only B right; exact two-sided binomial p on b + c discordant pairs."""
    b = int(np.sum(a_right & ~b_right))
    c = int(np.sum(~a_right & b_right))
    n = b + c
    k = min(b, c)
    p = 1.0 if n == 0 else min(1.0, 2.0 * sum(math.comb(n, i) for i in range(k + 1)) / 2.0 ** n)
    return {"only_greedy_right": b, "only_minmax_right": c, "p_exact": round(p, 4)}


def batched_predict(tflite: bytes | str, images_u8: np.ndarray, threads: int = 1, batch: int = 500) -> np.ndarray:
    """Top-1 class of every image (the .tflite has batch 1; resized to ``batch``; int8 kernels are per image)."""
    from core.data import to_model_input
    from core.export.litert import load_interpreter, quantize_input

    interp = load_interpreter(tflite, threads=threads)
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    x = to_model_input(images_u8, inp["shape"])
    preds = np.empty(len(x), np.int64)
    size = None
    for i in range(0, len(x), batch):
        xb = x[i:i + batch]
        if size != len(xb):
            size = len(xb)
            interp.resize_tensor_input(inp["index"], [size] + list(inp["shape"][1:]))
            interp.allocate_tensors()
        interp.set_tensor(inp["index"], quantize_input(xb, inp))
        interp.invoke()
        preds[i:i + size] = np.argmax(interp.get_tensor(out["index"]).reshape(size, -1), axis=1)
    return preds


def fake_quant_mse(x: np.ndarray, p) -> float:
    q = np.clip(np.round(x / p.scale) + p.zero_point, -128, 127)
    return float(np.mean(((q - p.zero_point) * p.scale - x) ** 2))


def cost_check(model, tensors, plans: dict, held_out_u8: np.ndarray) -> dict:
    """Greedy vs min/max range cost on held-out activations, per editable tensor group."""
    from core.calib.collect import collect_stats, model_inputs, stats_model
    from core.calib.histogram import Histogram
    from core.choosers import cost_of

    probe = stats_model(model, tensors)
    acts = {}
    x = model_inputs(model, held_out_u8)
    outs = []
    for i in range(0, len(x), 64):
        o = probe(x[i:i + 64], training=False)
        outs.append([np.asarray(t) for t in (o if isinstance(o, (list, tuple)) else [o])])
    names = [t.name for t in tensors if t.op != "INPUT"]
    for j, n in enumerate(names):
        acts[n] = np.concatenate([b[j] for b in outs]).ravel()
    hists, _ = collect_stats(model, tensors, held_out_u8, source="held-out batch")
    minmax_plan = plans["minmax"]
    result = {}
    for key, plan in plans.items():
        if key == "minmax":
            continue
        rows = []
        seen = set()
        for e in plan:
            group = tuple(plan.group(e.name))
            if group in seen or plan.locked_reason(e.name) or e.tensor.op == "INPUT":
                continue
            seen.add(group)
            g, m = e.params, minmax_plan[e.name].params
            vals = np.concatenate([acts[n] for n in group])
            hist = Histogram.union([hists[n] for n in group])
            rows.append({"tensor": e.name, "members": len(group), "greedy": [g.min, g.max], "minmax": [m.min, m.max],
                         "mse_greedy": fake_quant_mse(vals, g), "mse_minmax": fake_quant_mse(vals, m),
                         "cost_greedy": cost_of(hist, g, plan.gamma), "cost_minmax": cost_of(hist, m, plan.gamma),
                         "calib_cost_greedy": cost_of(plan.group_stats(e.name), g, plan.gamma),
                         "calib_cost_minmax": cost_of(plan.group_stats(e.name), m, plan.gamma)})
        result[key] = summarize_costs(rows)
    return result


def summarize_costs(rows: list[dict]) -> dict:
    def tally(a, b):
        ga = np.array([r[a] for r in rows])
        mb = np.array([r[b] for r in rows])
        same = np.isclose(ga, mb, rtol=1e-9, atol=0)
        ratio = np.where(mb > 0, ga / np.where(mb > 0, mb, 1), 1.0)
        worst = int(np.argmax(ratio))
        return {"greedy_lower": int(np.sum((ga < mb) & ~same)), "greedy_higher": int(np.sum((ga > mb) & ~same)),
                "equal": int(np.sum(same)), "geomean_ratio": float(np.exp(np.mean(np.log(np.maximum(ratio, 1e-30))))),
                "worst_ratio": float(ratio[worst]), "worst_tensor": rows[worst]["tensor"]}

    return {"groups": len(rows), "heldout_mse": tally("mse_greedy", "mse_minmax"),
            "heldout_cost": tally("cost_greedy", "cost_minmax"),
            "calib_cost": tally("calib_cost_greedy", "calib_cost_minmax")}


def aggregate(results: list[dict]) -> dict:
    """Per model x calibration size x weights x gamma, over every calibration draw (seed) of ``results``."""
    cells: dict = {}
    for res in results:
        for label, m in res["models"].items():
            for run in m["runs"]:
                for g, v in run["greedy"].items():
                    key = f"{label} | calib {run['calib_images']} | {run['weights']} | gamma {g}"
                    c = cells.setdefault(key, {"seeds": [], "greedy_minus_minmax_pp": [], "b": 0, "c": 0,
                                               "flips_greedy": [], "flips_minmax": [], "mse_lower": [],
                                               "mse_higher": [], "mse_geomean_ratio": []})
                    c["seeds"].append(run["seed"])
                    c["greedy_minus_minmax_pp"].append(v["minus_minmax_pp"])
                    c["b"] += v["mcnemar_vs_minmax"]["only_greedy_right"]
                    c["c"] += v["mcnemar_vs_minmax"]["only_minmax_right"]
                    c["flips_greedy"].append(v["flips_vs_float"])
                    c["flips_minmax"].append(run["minmax"]["flips_vs_float"])
                    mse = v["cost_check"]["heldout_mse"]
                    c["mse_lower"].append(mse["greedy_lower"])
                    c["mse_higher"].append(mse["greedy_higher"])
                    c["mse_geomean_ratio"].append(round(mse["geomean_ratio"], 3))
    for c in cells.values():
        d = c["greedy_minus_minmax_pp"]
        c["mean_pp"] = round(float(np.mean(d)), 3)
        c["greedy_ge_minmax"] = f"{sum(x >= 0 for x in d)}/{len(d)}"
    return cells


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--summarize":     # aggregate saved runs: --summarize a.json b.json
        runs = [json.loads(Path(p).read_text()) for p in sys.argv[2:]]
        print(json.dumps(aggregate(runs), indent=1))
        return
    from core.calib.collect import collect_stats
    from core.data import load_dataset
    from core.export import convert_float, export_int8
    from core.models.bn_fold import folded_weights
    from core.models.loading import load_model
    from core.plan import Plan
    from core.quant.tensors import quant_tensors
    from core.resources import RESOURCES

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=",".join(str(RESOURCES / f"models/mobilenet_v2_{k}_fmnist.keras")
                                                 for k in ("qf", "orig")))
    ap.add_argument("--val-start", type=int, default=50000)
    ap.add_argument("--val-n", type=int, default=10000)
    ap.add_argument("--calib", default="10,100,1000", help="calibration sizes (multiples of 10: n/10 per class)")
    ap.add_argument("--gammas", default="1,3")
    ap.add_argument("--seeds", default="0", help="calibration draws (0: first images per class; k: shuffled)")
    ap.add_argument("--weights", default="per-channel,per-tensor")
    ap.add_argument("--cost-images", type=int, default=256, help="held-out validation images for the cost check")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None, help="also write the JSON here")
    args = ap.parse_args()
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731

    t0 = time.perf_counter()
    train = load_dataset("fashion-mnist:train")
    val_idx = np.arange(args.val_start, min(len(train), args.val_start + args.val_n))
    val = train.subset(val_idx)
    pool = train.subset(np.arange(args.val_start))          # calibration comes only from here
    held_out = val.images[:args.cost_images]
    gammas = [float(g) for g in args.gammas.split(",")]
    weights = args.weights.split(",")
    sizes = [int(s) for s in args.calib.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    val_keys = {im.tobytes() for im in val.images}
    out = {"validation": f"fashion-mnist:train[{val_idx[0]}:{val_idx[-1] + 1}]", "n_val": len(val),
           "cost_images": len(held_out), "models": {}}
    for model_path in args.models.split(","):
        label = Path(model_path).stem
        model = load_model(model_path)
        tensors = quant_tensors(model)
        folded = folded_weights(model)
        float_pred = batched_predict(convert_float(model, folded), val.images, args.threads)
        float_right = float_pred == val.labels
        res = {"float_top1": float(np.mean(float_right)), "runs": []}
        log(f"[{label}] float top-1 on validation {res['float_top1'] * 100:.2f}%")
        for size in sizes:
            for seed in seeds:
                calib = pool.per_class(size // 10, seed=seed)
                overlap = sum(im.tobytes() in val_keys for im in calib.images)
                if overlap:
                    raise SystemExit(f"{overlap} calibration images are also validation images")
                hists, _ = collect_stats(model, tensors, calib.images, source=f"calibration ({size})")
                plans = {"minmax": Plan(tensors, hists, method="minmax")}
                for g in gammas:
                    plans[f"greedy_g{g:g}"] = Plan(tensors, hists, method="greedy", gamma=g)
                costs = cost_check(model, tensors, plans, held_out)
                preds = {}
                with tempfile.TemporaryDirectory() as tmp:
                    for key, plan in plans.items():
                        ranges = plan.ranges()
                        for w in weights:
                            path = Path(tmp) / f"{key}_{w}.tflite"
                            export_int8(model, tensors, ranges, path, weights=w, folded=folded)
                            preds[(key, w)] = batched_predict(str(path), val.images, args.threads)
                for w in weights:
                    mm_right = preds[("minmax", w)] == val.labels
                    row = {"calib_images": len(calib), "seed": seed, "weights": w,
                           "minmax": {"top1": float(np.mean(mm_right)),
                                      "flips_vs_float": int(np.sum(preds[("minmax", w)] != float_pred))},
                           "greedy": {}}
                    for g in gammas:
                        key = f"greedy_g{g:g}"
                        p = preds[(key, w)]
                        right = p == val.labels
                        row["greedy"][f"{g:g}"] = {
                            "top1": float(np.mean(right)), "flips_vs_float": int(np.sum(p != float_pred)),
                            "minus_minmax_pp": round((np.mean(right) - np.mean(mm_right)) * 100, 2),
                            "mcnemar_vs_minmax": mcnemar(right, mm_right), "cost_check": costs[key]}
                    res["runs"].append(row)
                    log(f"[{label}] calib {len(calib)} seed {seed} {w}: minmax {row['minmax']['top1'] * 100:.2f} "
                        + " ".join(f"g{g}: {v['top1'] * 100:.2f} ({v['mcnemar_vs_minmax']['only_greedy_right']}/"
                                   f"{v['mcnemar_vs_minmax']['only_minmax_right']})" for g, v in row["greedy"].items())
                        + f"  [{time.perf_counter() - t0:.0f} s]")
        out["models"][label] = res
    out["summary"] = aggregate([out])
    out["seconds"] = round(time.perf_counter() - t0, 1)
    text = json.dumps(out, indent=1)
    if args.out:
        Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
