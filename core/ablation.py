"""The paper's Table 1 for one model: float, and int8 greedy / min/max x per-tensor / per-channel weights.

Shared by ``bench/bench_ablation.py`` (full test set, cards) and the demo (embedded images). One
calibration gives the statistics; greedy and min/max choose ranges from the same histograms; every
cell is exported (verified, :func:`core.export.export_int8`) and evaluated with LiteRT against the
float model. Beside the accuracies, the mechanism (:mod:`core.weights.mechanism`) of the model's
depthwise layers. docs/ablation.md describes the table.
"""

from __future__ import annotations

import time
from pathlib import Path

METHODS = ("greedy", "minmax")
WEIGHTS = ("per-tensor", "per-channel")
COLUMNS = ("float", "greedy per-tensor", "greedy per-channel", "min/max per-tensor", "min/max per-channel",
           "dw max spread", "erased ch.", "dead ch.", "max BN scale")


def export_and_evaluate_cells(model, model_path, plans: dict, out_dir: Path, slug: str, eval_ds, convention,
                              folded=None, float_path=None, weights=WEIGHTS, on_cell=None, **export_options) -> dict:
    """Every (method, weights) cell of ``plans`` (``{method: Plan}``): exported to
    ``out_dir/<slug>_<method>_<weights>_int8.tflite`` (verified) and evaluated, against ``float_path``
    when given (the result's ``agreement``). ``export_options`` go to :func:`core.export.export_int8`
    (``bias_correction``, ``calib_images``, ``preact_stats``). ``on_cell(method, weights, result)``
    hears each step: ``result`` None right after the export, the :class:`core.evaluate.EvalResult`
    after the evaluation. Returns ``{(method, weights): (ExportReport, EvalResult)}``.
    The one measuring loop of the demo (plain and DFQ rows), :func:`measure_model` and the benches."""
    from .evaluate import evaluate
    from .export import export_int8

    on_cell = on_cell or (lambda method, w, result: None)
    results = {}
    for method, plan in plans.items():
        ranges = plan.ranges()
        for w in weights:
            path = Path(out_dir) / f"{slug}_{method}_{w.replace('-', '_')}_int8.tflite"
            report = export_int8(model, plan.tensors, ranges, path, weights=w, source=str(model_path), folded=folded,
                                 input_convention=convention, **export_options)
            on_cell(method, w, None)
            result = evaluate(path, dataset=eval_ds, reference=float_path, convention=convention)
            results[(method, w)] = report, result
            on_cell(method, w, result)
    return results


def measure_model(model_path, eval_ds, out_dir, *, session=None, calib_data: str = "fashion-mnist:train",
                  per_class="auto", slug: str | None = None, tick=None, log=None) -> tuple[dict, object]:
    """(result, greedy session) for ``model_path`` on ``eval_ds``; the .tflite files go to ``out_dir``.

    ``session``: a greedy :class:`core.session.Session` of this model to reuse (else calibrated on
    ``calib_data`` with ``per_class``). ``tick(message)`` is called after each of the 6 steps
    (calibrate, float, 4 cells). ``result``: ``{"model", "float": {...}, "int8": {method: {"per_tensor":
    {...}, "per_channel": {...}}}, "mechanism": totals, "mechanism_layers": [...], "calibration", "seconds"}``.
    """
    from .atomic import atomic_write_bytes
    from .calibrate import calibrate
    from .evaluate import evaluate
    from .export import convert_float
    from .models.bn_fold import folded_weights
    from .models.convention import resolve_convention
    from .models.loading import load_model
    from .weights import model_weights
    from .weights.mechanism import mechanism

    tick = tick or (lambda msg: None)
    log = log or (lambda msg: None)
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    slug = slug or Path(model_path).stem
    greedy = session if session is not None else calibrate(str(model_path), calib_data, per_class=per_class)
    tick(f"{slug}: calibrated")
    plans = {"greedy": greedy.plan, "minmax": greedy.plan.rechoose("minmax")}
    model = load_model(model_path)
    conv = resolve_convention(session=greedy)
    folded = folded_weights(model)
    float_path = out_dir / f"{slug}_float.tflite"
    atomic_write_bytes(float_path, convert_float(model, folded))
    f = evaluate(float_path, dataset=eval_ds, convention=conv)
    log(f"[{slug}] float top-1 {f.top1 * 100:.2f}% ({f.n_images} images)")
    tick(f"{slug}: float evaluated")
    result = {"model": str(model_path), "float": {"top1": f.top1, "top5": f.top5, "n_images": f.n_images},
              "int8": {m: {} for m in METHODS}}

    def on_cell(method, w, r):
        if r is None:
            return
        result["int8"][method][w.replace("-", "_")] = {
            "top1": r.top1, "drop_pp": round((f.top1 - r.top1) * 100.0, 2), "agreement": r.agreement,
            "n_images": r.n_images}
        log(f"[{slug}] {method:6s} {w:11s} int8 top-1 {r.top1 * 100:.2f}% (drop {(f.top1 - r.top1) * 100:+.2f} pp)")
        tick(f"{slug}: {method} {w}")

    export_and_evaluate_cells(model, model_path, plans, out_dir, slug, eval_ds, conv, folded, float_path,
                              on_cell=on_cell)
    mech = mechanism(None, "depthwise", weights=model_weights(model))
    result["mechanism"], result["mechanism_layers"] = mech["totals"], mech["layers"]
    result["calibration"] = {k: greedy.calibration.get(k) for k in ("data", "per_class", "n_images", "gamma")}
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result, greedy


def cells(result: dict) -> list[float | None]:
    """The five accuracies of a row in :data:`COLUMNS` order (top-1, 0..1)."""
    i = result["int8"]
    return [result["float"]["top1"]] + [i[m][w.replace("-", "_")]["top1"] for m in METHODS for w in WEIGHTS]


def row_cells(result: dict) -> list[str]:
    """A row's cells as text: accuracies in %, drop from float in pp, then the mechanism columns."""
    acc = cells(result)
    text = [f"{acc[0] * 100:.2f}"] + [f"{a * 100:.2f} ({(a - acc[0]) * 100:+.2f})" for a in acc[1:]]
    m = result["mechanism"]
    spread = "inf" if m["max_spread"] is None else f"{m['max_spread']:.1f}x ({m['max_spread_layer']})"
    bn = "-" if m["max_bn_scale"] is None else f"{m['max_bn_scale']:.3g}"
    dead = "-" if m["dead"] is None else str(m["dead"])
    return text + [spread, f"{m['collapsed']} / {m['channels']}", dead, bn]


def markdown(results: dict[str, dict], note: str = "") -> str:
    """The paper-style table: one row per model (``results``: label -> :func:`measure_model` result)."""
    lines = ["| model | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for label, r in results.items():
        lines.append(f"| {label} | " + " | ".join(row_cells(r)) + " |")
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def text_lines(results: dict[str, dict]) -> list[str]:
    """The table as aligned plain-text lines (the CLI's demo summary)."""
    head = ["model"] + list(COLUMNS)
    rows = [[label] + row_cells(r) for label, r in results.items()]
    widths = [max(len(x[i]) for x in [head] + rows) for i in range(len(head))]
    return ["  ".join(c.ljust(w) for c, w in zip(x, widths, strict=True)).rstrip() for x in [head] + rows]


def card_fields(result: dict, test10k: bool) -> dict:
    """What a model card gets: ``int8`` (dotted ``int8.greedy.per_tensor.top1``), the mechanism and the float top-1.

    ``test10k``: the evaluation was the full 10,000-image Fashion-MNIST test set (else the float
    figure goes under ``float_top1`` with ``eval_images``).
    """
    int8 = {m: {w: {"top1": round(c["top1"], 4), "drop_pp": c["drop_pp"]} for w, c in ws.items()}
            for m, ws in result["int8"].items()}
    out = {"int8": int8, "int8_eval": {"calibration": result["calibration"], "images": result["float"]["n_images"]},
           "mechanism": {"depthwise": result["mechanism"]}}
    out["float_top1_test10k" if test10k else "float_top1"] = round(result["float"]["top1"], 4)
    return out
