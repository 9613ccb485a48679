"""The headless demo: both bundled MobileNetV2s, calibrated, two range choosers, two
weight granularities, exported to verified int8 .tflite, evaluated against float.

Folder written (``out``)::

    <arch>.greedy.qft, <arch>.minmax.qft        sessions (same statistics, two choosers)
    <arch>_float.tflite                         float reference (BN folded)
    <arch>_<method>_<weights>_int8.tflite       + .export.json reports
    plots/<arch>_<tensor>.png                   histogram + chosen ranges per tensor
    <orig>_cle.keras (+ .dfq.json, .json)       the original model equalized (CLE + bias absorption)
    <orig>_cle.<method>.qft, <orig>_cle_float.tflite,
    <orig>_cle_ba[_bc]_<method>_<weights>_int8.tflite   its int8 exports without/with bias correction
    ablation/<v1>_*.tflite, ablation/<v1>.greedy.qft   the MobileNetV1 ablation rows (core.demo.ablation)
    summary.json, report.html
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_write_text
from ..progress import NULL_PROGRESS, Progress

BUNDLED = {"QF-MobileNetV2": "models/mobilenet_v2_qf_fmnist.keras",
           "MobileNetV2 (original)": "models/mobilenet_v2_orig_fmnist.keras"}
METHODS = ("greedy", "minmax")
WEIGHTS = ("per-channel", "per-tensor")


@dataclass
class DemoConfig:
    out: Path
    quick: bool = False
    models: dict[str, str] | None = None     # label -> .keras path (default: the bundled pair)
    calib_data: str = "embedded"
    eval_data: str = "embedded:eval"
    eval_images: int | None = None            # default: 2,000 full / 300 quick
    compare_images: int | None = None         # default: 32 full / 8 quick
    plots: bool = True
    dfq: bool = True                          # original model: + CLE/BA and + CLE/BA + BC rows (issue 12)
    dfq_labels: tuple[str, ...] | None = None  # which models get them (default: every label not starting "QF")
    dfq_relu6: str = "relu"                   # equalize_model(relu6=): "relu" (DFQ's choice) or "keep" (exact)
    ablation: bool = True                     # the MobileNetV1 ablation table (issue 15, core.demo.ablation)
    ablation_models: dict[str, str] | None = None  # label -> .keras (default: the bundled V1s, unless models=)

    def __post_init__(self):
        self.out = Path(self.out)
        if self.eval_images is None:
            self.eval_images = 300 if self.quick else None
        if self.compare_images is None:
            self.compare_images = 8 if self.quick else 32


def bundled_models() -> dict[str, str]:
    from ..resources import RESOURCES

    missing = [str(RESOURCES / p) for p in BUNDLED.values() if not (RESOURCES / p).exists()]
    if missing:
        raise FileNotFoundError("bundled model(s) missing: " + ", ".join(missing) + " (pass --models QF.keras ORIG.keras)")
    return {label: str(RESOURCES / p) for label, p in BUNDLED.items()}


def dfq_labels(config: DemoConfig, models: dict) -> list[str]:
    if not config.dfq:
        return []
    if config.dfq_labels is not None:
        unknown = [x for x in config.dfq_labels if x not in models]
        if unknown:
            raise ValueError(f"dfq_labels {unknown}: not among the demo's models {list(models)}")
        return list(config.dfq_labels)
    return [label for label in models if not label.upper().startswith("QF")]


MARKER = ".qftune-demo"     # written first into the folder: the demo's own folder, rewritten by the next run


def check_folder(out, force: bool = False) -> None:
    """Refuse (without ``force``) an existing, non-empty ``out`` the demo did not make: the demo rewrites
    its sessions, models and reports there (:mod:`core.outputs`' rule for a folder of outputs)."""
    from ..outputs import OutputError, a, sniff

    out = Path(out)
    if force or not out.is_dir() or (out / MARKER).exists() or (out / "summary.json").is_file():
        return
    entries = sorted(p.name for p in out.iterdir())
    if entries:
        shown = ", ".join(f"{n} ({a(sniff(out / n) or 'file')})" for n in entries[:3])
        raise OutputError(f"--out {out} is a folder the demo did not write ({len(entries)} entries: {shown}"
                          f"{', ...' if len(entries) > 3 else ''}); the demo writes its sessions, models and reports "
                          "there: choose another --out, or pass --force to write into it anyway")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def run_demo(config: DemoConfig, progress: Progress = NULL_PROGRESS, log=print) -> dict:
    """Run the whole demo; returns the summary (also written to summary.json)."""
    from ..ablation import export_and_evaluate_cells
    from ..atomic import atomic_write_bytes
    from ..calibrate import calibrate
    from ..compare import compare
    from ..data import load_dataset
    from ..evaluate import evaluate
    from ..export import convert_float
    from ..models.bn_fold import folded_weights
    from ..models.convention import resolve_convention
    from ..models.loading import load_model
    from .ablation import STEPS_PER_MODEL, plan_ablation, run_ablation
    from .dfq import cell, run_dfq
    from .plots import histogram_png
    from .report import write_report

    t_start = time.perf_counter()
    out = config.out
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).touch()
    models = config.models or bundled_models()
    eval_ds = load_dataset(config.eval_data, default_split="test").limit(config.eval_images)
    eval_ds.source = config.eval_data
    cmp_ds = eval_ds.limit(config.compare_images)
    steps_per_arch = 2 + len(METHODS) * len(WEIGHTS) * 2 + 2
    with_dfq = dfq_labels(config, models)
    ablation = plan_ablation(config)
    total = (steps_per_arch * len(models) + (2 + 2 * len(METHODS) * len(WEIGHTS)) * len(with_dfq)
             + STEPS_PER_MODEL * len(ablation[0]))
    step = 0

    def tick(msg):
        nonlocal step
        step += 1
        progress.update(step, total, msg)

    summary = {"mode": "quick" if config.quick else "full", "calib_data": config.calib_data,
               "eval_data": config.eval_data, "eval_images": len(eval_ds), "compare_images": len(cmp_ds),
               "results": [], "sqnr": {}, "histograms": {}, "models": dict(models), "timings": {},
               "dfq": {}}
    for label, model_path in models.items():
        slug = _slug(label)
        t_arch = time.perf_counter()
        log(f"[{label}] calibrating on {config.calib_data} ...")
        greedy = calibrate(model_path, config.calib_data, per_class=None, method="greedy")
        summary["calib_images"] = greedy.calibration.get("n_images")
        minmax = greedy.rechoose("minmax")
        sessions = {"greedy": greedy, "minmax": minmax}
        for m, s in sessions.items():
            s.save(out / f"{slug}.{m}.qft")
        tick(f"{label}: calibrated")
        model = load_model(model_path)
        conv = resolve_convention(session=greedy)
        folded = folded_weights(model)
        float_path = out / f"{slug}_float.tflite"
        atomic_write_bytes(float_path, convert_float(model, folded))
        f_res = evaluate(float_path, dataset=eval_ds, convention=conv)
        summary["results"].append(_row(label, "float", "float32", f_res, None))
        plain, plain_preds = {"float": summary["results"][-1]}, {}
        log(f"[{label}] float top-1 {f_res.top1 * 100:.2f}%")
        tick(f"{label}: float evaluated")

        def on_cell(method, weights, r, label=label, f_res=f_res, plain=plain, plain_preds=plain_preds):
            if r is None:
                tick(f"{label}: exported {method} {weights}")
                return
            summary["results"].append(_row(label, method, weights, r, f_res))
            plain[cell(method, weights)], plain_preds[cell(method, weights)] = summary["results"][-1], r.predictions
            log(f"[{label}] {method:6s} {weights:11s} int8 top-1 {r.top1 * 100:.2f}% "
                f"(drop {(f_res.top1 - r.top1) * 100:+.2f} pp), {r.latency_ms_median:.2f} ms")
            tick(f"{label}: evaluated {method} {weights}")

        export_and_evaluate_cells(model, model_path, {m: s.plan for m, s in sessions.items()}, out, slug, eval_ds,
                                  conv, folded, float_path, weights=WEIGHTS, on_cell=on_cell)
        rows = compare(model, greedy.plan.tensors, out / f"{slug}_greedy_per_channel_int8.tflite", cmp_ds, convention=conv)
        summary["sqnr"][label] = [r.to_dict() for r in rows]
        tick(f"{label}: SQNR")
        if config.plots:
            (out / "plots").mkdir(exist_ok=True)
            pngs = []
            for e in greedy.plan:
                if e.stats.empty:
                    continue
                png = f"plots/{slug}_{_slug(e.name)}.png"
                histogram_png(out / png, f"{label}: {e.name} ({e.tensor.op})", e.stats.edges, e.stats.counts,
                              {"greedy": (e.min, e.max), "minmax": (minmax.plan[e.name].min, minmax.plan[e.name].max)})
                pngs.append(png)
            summary["histograms"][label] = pngs
        tick(f"{label}: plots")
        if label in with_dfq:
            summary["dfq"][label] = run_dfq(label, slug, model_path, out, eval_ds, conv, config.calib_data, plain,
                                            plain_preds, METHODS, WEIGHTS, _row, tick, log,
                                            relu6=config.dfq_relu6)
        summary["timings"][label] = round(time.perf_counter() - t_arch, 1)
    summary["ablation"] = run_ablation(*ablation, config, eval_ds, tick, log)
    summary["seconds"] = round(time.perf_counter() - t_start, 1)
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=1))
    write_report(out / "report.html", summary)
    return summary


def _row(label, method, weights, r, float_res) -> dict:
    return {"arch": label, "method": method, "weights": weights, "top1": r.top1, "top5": r.top5,
            "drop_pp": None if float_res is None else (float_res.top1 - r.top1) * 100.0,
            "agreement": r.agreement, "size_bytes": r.size_bytes, "latency_ms_median": r.latency_ms_median,
            "latency_ms_p90": r.latency_ms_p90, "n_images": r.n_images, "model": r.model}


def headline(summary: dict) -> list[str]:
    lines = []
    for label in summary["models"]:
        rows = [r for r in summary["results"] if r["arch"] == label]
        f = next(r for r in rows if r["method"] == "float")
        parts = [f"float {f['top1'] * 100:.2f}%"]
        for r in rows:
            if r["method"] != "float":
                parts.append(f"{r['method']}/{r['weights']} {r['top1'] * 100:.2f}% (drop {r['drop_pp']:+.2f} pp)")
        lines.append(f"{label}: " + ", ".join(parts))
    return lines
