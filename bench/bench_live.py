"""Issue 21's live figures: does the simulated int8 model agree with the exported LiteRT model, and how
long does an edit take to re-score the live set? Prints JSON.

    bench/bench_live.py                       # everything
    bench/bench_live.py --part agreement --sessions mobilenet_v2_qf_fmnist
    bench/bench_live.py --part latency --skip-224
    bench/bench_live.py --part agreement --sessions --skip-224 --head10   # the 224 px net with a trained head

agreement: top-1 predictions of ``SimulatedModel`` against the exported, verified .tflite (LiteRT,
XNNPACK, 1 thread, fed as the app feeds it) on the full embedded eval set (2,000 images) for every
bundled session (greedy), per-tensor and per-channel; and on 500 generated images (smooth random
colour fields) for keras.applications MobileNetV2 1.0 at 224 px (weights=None,
classifier_activation=None so that top-1 is read from logits), its BatchNorm statistics set from
generated images (``bench/_live_224.py``), calibrated greedy on 100 other generated images.
``--sessions`` with no name leaves the bundled sessions out. What each row's figures mean:

- ``agreement``: simulation vs the exported model (XNNPACK), the issue's target (>= 99.5 %);
- ``logits_equal_sim_vs_litert``: the share of output values (all classes, all images) equal to the step;
- ``litert_builtin_vs_xnnpack_agreement`` / ``litert_builtin_ref_vs_xnnpack_agreement``: LiteRT's own
  builtin (optimized) and reference kernels vs XNNPACK on the same file: the same int8 model, but the
  builtin kernels requantize with a fixed-point multiplier (rounding doubling high mul, rounding shift)
  where XNNPACK multiplies by a float32 scale and rounds half to even; on a network whose int8 output is
  far from float those last-step differences alone flip top-1. The simulation models XNNPACK, LiteRT's
  default path (:mod:`core.simulate.integer`); ``sim_vs_litert_builtin*`` are the other paths' figures;
- ``agreement_margin_gt_N_steps``: the agreement on the images whose LiteRT top-1 leads its runner-up by
  more than N output steps (the images where top-1 is decided by the model, not by rounding);
- ``sqnr_db_*``: the output's SQNR of the simulation against LiteRT, of builtin against XNNPACK, and of
  LiteRT and the simulation against float (the int8 error itself).

latency: edit -> figures (``LiveSet.edit``: set the range, re-run from the edited segment, score)
over 20 edits spread over the plan's editable tensors (each widens the range by 10 %), median and
p90: the bundled QF-MobileNetV2 at 28 px with 500 live images, the 224 px MobileNetV2 with 100.
Measured in this process (the engine side), not through the GUI.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SESSIONS = sorted(p.stem for p in (ROOT / "resources" / "sessions").glob("*.qft"))


def _tflite_scores(path, x: np.ndarray, kernels: str = "xnnpack") -> tuple[np.ndarray, float]:
    """(output scores, output scale) of the .tflite on ``x``, fed as the app feeds it; ``kernels``: XNNPACK
    1 thread (LiteRT's default), LiteRT's builtin (optimized) kernels, or its reference kernels."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from core.export.litert import dequantize, quantize_input

    if kernels == "xnnpack":
        it = Interpreter(model_path=str(path), num_threads=1)
    else:
        it = Interpreter(model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_REF
                         if kernels == "builtin-ref" else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    q = quantize_input(x, inp)
    scores = []
    for i in range(len(q)):
        it.set_tensor(inp["index"], q[i:i + 1])
        it.invoke()
        scores.append(dequantize(it.get_tensor(out["index"]), *out["quantization"]).reshape(-1))
    return np.stack(scores), float(out["quantization"][0])


def _sim_scores(sim, x: np.ndarray, batch: int = 100) -> np.ndarray:
    return np.concatenate([sim.run(x[i:i + batch]).reshape(len(x[i:i + batch]), -1) for i in range(0, len(x), batch)])


def _sqnr(reference: np.ndarray, value: np.ndarray) -> float:
    from core.simulate.live import sqnr_db

    return round(sqnr_db(reference, value), 2)


MARGINS = (2, 8)   # LiteRT's top-1 minus its runner-up, in steps of the output scale


def _agreement(model, tensors, ranges, x, weights: str, tmp: Path, name: str) -> dict:
    """Top-1 agreement of the simulation with the exported .tflite (XNNPACK), and what it means: the
    agreement of LiteRT's builtin kernels with XNNPACK on the same file (two implementations of the same
    int8 model), the agreement on images whose top-1 leads by more than a few output steps, and the output
    SQNR of the simulation against LiteRT beside that of LiteRT against float (the int8 error itself)."""
    from core.export import export_int8
    from core.simulate.model import SimulatedModel, simulated_float

    out = tmp / f"{name}_{weights}.tflite"
    export_int8(model, tensors, ranges, out, weights=weights)
    t0 = time.perf_counter()
    sim = SimulatedModel(model, tensors, ranges, weights=weights)
    ss = _sim_scores(sim, x)
    sim_s = time.perf_counter() - t0
    ff = simulated_float(model, sim.folded)
    fs = np.concatenate([np.asarray(ff(x[i:i + 100])).reshape(len(x[i:i + 100]), -1) for i in range(0, len(x), 100)])
    ls, out_scale = _tflite_scores(out, x)
    bs, _ = _tflite_scores(out, x, "builtin")
    rs, _ = _tflite_scores(out, x, "builtin-ref")
    ps, pt, pb, pr, pf = (np.argmax(v, axis=1) for v in (ss, ls, bs, rs, fs))
    top2 = np.sort(ls, axis=1)[:, -2:]
    margin = (top2[:, 1] - top2[:, 0]) / out_scale
    row = {"model": name, "weights": weights, "n_images": len(x), "agreement": float(np.mean(ps == pt)),
           "disagreeing": int(np.sum(ps != pt)),
           "litert_builtin_vs_xnnpack_agreement": float(np.mean(pb == pt)),
           "sim_vs_litert_builtin_agreement": float(np.mean(ps == pb)),
           "litert_builtin_ref_vs_xnnpack_agreement": float(np.mean(pr == pt)),
           "litert_builtin_ref_vs_builtin_agreement": float(np.mean(pr == pb)),
           "sim_vs_litert_builtin_ref_agreement": float(np.mean(ps == pr)),
           "logits_equal_sim_vs_litert": float(np.mean(np.round(ss / out_scale) == np.round(ls / out_scale))),
           "float_vs_litert_agreement": float(np.mean(pf == pt))}
    for m in MARGINS:
        keep = margin > m
        row[f"agreement_margin_gt_{m}_steps"] = float(np.mean(ps[keep] == pt[keep])) if keep.any() else None
        row[f"n_margin_gt_{m}_steps"] = int(keep.sum())
    row.update({"sqnr_db_sim_vs_litert": _sqnr(ls, ss), "sqnr_db_litert_builtin_vs_xnnpack": _sqnr(ls, bs),
                "sqnr_db_litert_vs_float": _sqnr(fs, ls), "sqnr_db_sim_vs_float": _sqnr(fs, ss),
                "simulation_s": round(sim_s, 2)})
    return row


def _session_inputs(name: str):
    from core.data import load_dataset
    from core.models.convention import resolve_convention
    from core.models.loading import load_model
    from core.session import Session

    s = Session.load(ROOT / "resources" / "sessions" / f"{name}.qft")
    model = load_model(s.require_model())
    size, ch = int(model.input_shape[1]), int(model.input_shape[-1])
    ds = load_dataset(s.calibration["data"], default_split="test")
    parts = list(ds.batches(size, ch, resolve_convention(session=s), 500))
    return s, model, np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def generated_images(n: int, size: int = 224, seed: int = 0) -> np.ndarray:
    """``n`` smooth random colour fields with noise, uint8 (n, size, size, 3)."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (n, 8, 8, 3)).astype(np.float32)
    big = tf.image.resize(small, (size, size), method="bicubic").numpy()
    return np.clip(big + rng.integers(-12, 13, big.shape), 0, 255).astype(np.uint8)


def keras_v2_224(calib_images: int = 100):
    """(model, tensors, plan, convention) of keras.applications MobileNetV2 1.0 at 224 px (weights=None,
    logits out, BatchNorm statistics set from generated images: ``bench/_live_224.py``), greedy ranges
    from ``calib_images`` generated images."""
    sys.path.insert(0, str(ROOT / "bench"))
    from _live_224 import keras_v2_224_model

    from core.calib.collect import collect_stats
    from core.models.convention import PIXEL_PM1
    from core.models.loading import load_model
    from core.plan import Plan
    from core.quant.tensors import quant_tensors

    model = load_model(keras_v2_224_model())
    conv = PIXEL_PM1
    tensors = quant_tensors(model)
    x = conv.apply(generated_images(calib_images, seed=1).astype(np.float32))
    hists, _ = collect_stats(model, tensors, iter([x[i:i + 20] for i in range(0, len(x), 20)]))
    plan = Plan(tensors, hists, method="greedy", input_range=conv.input_range)
    return model, tensors, plan, conv


def keras_v2_224_head10():
    """(model, tensors, plan, convention, x, labels): the 224 px network above with a trained 10-way head
    (``bench/_live_224_head.py``), greedy ranges from 100 tinted generated images, and 500 others to score."""
    sys.path.insert(0, str(ROOT / "bench"))
    from _live_224_head import coloured_images, keras_v2_224_head_model

    from core.calib.collect import collect_stats
    from core.models.convention import PIXEL_PM1
    from core.models.loading import load_model
    from core.plan import Plan
    from core.quant.tensors import quant_tensors

    model = load_model(keras_v2_224_head_model())
    conv, tensors = PIXEL_PM1, quant_tensors(model)
    xc = conv.apply(coloured_images(100, seed=11)[0].astype(np.float32))
    hists, _ = collect_stats(model, tensors, iter([xc[i:i + 20] for i in range(0, len(xc), 20)]))
    plan = Plan(tensors, hists, method="greedy", input_range=conv.input_range)
    x, y = coloured_images(500, seed=12)
    return model, tensors, plan, conv, conv.apply(x.astype(np.float32)), y


def agreement_head10() -> list[dict]:
    rows = []
    model, tensors, plan, _conv, x, y = keras_v2_224_head10()
    float_top1 = float(np.mean(np.argmax(np.asarray(model.predict(x, batch_size=20, verbose=0)), 1) == y))
    with tempfile.TemporaryDirectory() as tmp:
        for weights in ("per-tensor", "per-channel"):
            rows.append({**_agreement(model, tensors, plan.ranges(), x, weights, Path(tmp),
                                      "keras.applications MobileNetV2 1.0 224px, trained 10-way head"),
                         "float_top1_vs_labels": float_top1})
            print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def agreement(sessions, skip_224: bool) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in sessions:
            s, model, x, _ = _session_inputs(name)
            for weights in ("per-tensor", "per-channel"):
                rows.append(_agreement(model, s.plan.tensors, s.plan.ranges(), x, weights, Path(tmp), name))
                print(json.dumps(rows[-1]), file=sys.stderr)
        if not skip_224:
            model, tensors, plan, conv = keras_v2_224()
            x = conv.apply(generated_images(500, seed=2).astype(np.float32))
            for weights in ("per-tensor", "per-channel"):
                rows.append(_agreement(model, tensors, plan.ranges(), x, weights, Path(tmp),
                                       "keras.applications MobileNetV2 1.0 224px"))
                print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def _edit_latency(plan, live, n_edits: int = 20) -> dict:
    editable = [t.name for t in plan.tensors if plan.locked_reason(t.name) is None]
    picks = [editable[int(i)] for i in np.linspace(0, len(editable) - 1, n_edits)]
    times, starts = [], []
    for name in picks:
        p = plan.ranges()[name]
        plan.set_range(name, p.min, p.max * 1.1 if p.max > 0 else p.max + 0.1)
        t0 = time.perf_counter()
        fig = live.edit(plan.ranges())
        times.append(time.perf_counter() - t0)
        starts.append(fig.recomputed_from)
    t = np.asarray(times)
    return {"edits": len(t), "median_s": round(float(np.median(t)), 3), "p90_s": round(float(np.percentile(t, 90)), 3),
            "max_s": round(float(t.max()), 3), "per_edit_s": [round(float(v), 3) for v in t],
            "tensors": picks, "recomputed_from": starts, "cached_mb": round(live.cached_bytes / 2**20, 1),
            "last_figures": fig.to_dict()}


def latency(skip_224: bool) -> list[dict]:
    from core.simulate.live import LiveSet
    from core.simulate.model import SimulatedModel, simulated_float

    rows = []
    s, model, x, y = _session_inputs("mobilenet_v2_qf_fmnist")
    t0 = time.perf_counter()
    sim = SimulatedModel(model, s.plan.tensors, s.plan.ranges())
    live = LiveSet(sim, x[:500], y[:500], simulated_float(model, sim.folded))
    warm = time.perf_counter() - t0
    rows.append({"model": "mobilenet_v2_qf_fmnist 28px", "live_images": 500, "warm_up_s": round(warm, 2),
                 "segments": len(sim.segments), **_edit_latency(s.plan, live)})
    print(json.dumps(rows[-1]), file=sys.stderr)
    if not skip_224:
        model, tensors, plan, conv = keras_v2_224()
        x = conv.apply(generated_images(100, seed=3).astype(np.float32))
        t0 = time.perf_counter()
        sim = SimulatedModel(model, tensors, plan.ranges())
        live = LiveSet(sim, x, None, simulated_float(model, sim.folded), batch_size=25)
        warm = time.perf_counter() - t0
        rows.append({"model": "keras.applications MobileNetV2 1.0 224px", "live_images": 100,
                     "warm_up_s": round(warm, 2), "segments": len(sim.segments), **_edit_latency(plan, live)})
        print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=["agreement", "latency", "all"], default="all")
    ap.add_argument("--sessions", nargs="*", default=SESSIONS, help="bundled session names (default: all)")
    ap.add_argument("--skip-224", action="store_true", help="leave out keras.applications MobileNetV2 at 224 px")
    ap.add_argument("--head10", action="store_true",
                    help="agreement also on the 224 px network with a trained 10-way head (bench/_live_224_head.py)")
    args = ap.parse_args()
    from core.cli.quiet import quiet_tensorflow

    quiet_tensorflow()
    result = {"cpus": __import__("os").cpu_count()}
    if args.part in ("agreement", "all"):
        result["agreement"] = agreement(args.sessions, args.skip_224)
        if args.head10:
            result["agreement"] += agreement_head10()
    if args.part in ("latency", "all"):
        result["latency"] = latency(args.skip_224)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
