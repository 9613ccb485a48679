"""The demo's ablation table: the four bundled MobileNetV1s (the paper's Table 1 on Fashion-MNIST).

Each model: calibrated once on the demo's calibration images, greedy and min/max from the same
statistics, int8 per-tensor and per-channel weights, evaluated on the demo's evaluation images
(:func:`core.ablation.measure_model`), with the depthwise mechanism beside it. No plots, SQNR or
DFQ for these rows (that keeps ``make run`` within a few minutes). ``--quick`` measures only the
original and the QF model. The full-test-set table is bench/bench_ablation.py's (docs/ablation.md).

Quantization-aware fine-tuning (``qftune finetune``) takes minutes, not seconds, so the table gains its
row as a *recorded* result: :data:`QAT_RECORD` (bench/bench_qat.py's JSON on the full test set, with its
command), shown under the bundled original's row and labelled as recorded, never re-run by the demo.
"""

from __future__ import annotations

import time

BUNDLED_V1 = {f"MobileNetV1 {s}": f"models/mobilenet_v1_{s}_fmnist.keras" for s in ("orig", "step1", "step2", "qf")}
QUICK = ("MobileNetV1 orig", "MobileNetV1 qf")
STEPS_PER_MODEL = 6      # calibrate, float, 4 int8 cells (core.ablation.measure_model's ticks)
QAT_RECORD = "qat_recorded.json"      # under resources/: bench/bench_qat.py's output for the bundled original V1
QAT_ROW_OF = "MobileNetV1 orig"


def recorded_qat(models: dict[str, str]) -> dict | None:
    """The recorded QAT result when the table measures the bundled original MobileNetV1 (the model it was
    recorded on), else None."""
    import json

    from ..resources import RESOURCES

    path = RESOURCES / QAT_RECORD
    bundled = str(RESOURCES / BUNDLED_V1[QAT_ROW_OF])
    if models.get(QAT_ROW_OF) != bundled or not path.exists():
        return None
    return json.loads(path.read_text())


def qat_line(record: dict) -> str:
    """One line: the recorded QAT figures beside the PTQ they improve on, with the command that measured them."""
    acc, drop, ft = record["accuracy"], record["drop_pp"], record["finetune"]
    return (f"{QAT_ROW_OF} + QAT (recorded, not re-run; {record['eval']}, {record['weights']} weights): "
            f"int8 {100 * acc['qat_int8']:.2f} ({-drop['qat']:+.2f}) after {ft['images_seen']:,} training images, "
            f"PTQ greedy {100 * acc['ptq_int8']:.2f} ({-drop['ptq']:+.2f}); {record['command']}")


def plan_ablation(config) -> tuple[dict[str, str], dict[str, str], str | None]:
    """(models to measure, missing label -> path, why nothing is measured or None) for a demo config."""
    from pathlib import Path

    from ..resources import RESOURCES

    if not config.ablation:
        return {}, {}, "skipped (--no-ablation)"
    if config.ablation_models is not None:
        models = dict(config.ablation_models)
    elif config.models is not None:
        return {}, {}, "skipped: --models replaces the bundled models; pass --ablation-models to add this table"
    else:
        models = {label: str(RESOURCES / rel) for label, rel in BUNDLED_V1.items()}
        if config.quick:
            models = {label: p for label, p in models.items() if label in QUICK}
    missing = {label: p for label, p in models.items() if not Path(p).exists()}
    present = {label: p for label, p in models.items() if label not in missing}
    why = None
    if not present:
        folder = {str(Path(p).parent) for p in missing.values()}
        why = (f"skipped: the MobileNetV1 ablation models are not in {', '.join(sorted(folder))} ("
               + ", ".join(Path(p).name for p in missing.values()) + "); scripts/bundle_model.py adds them"
               if missing else "skipped: no ablation models")
    return present, missing, why


def run_ablation(present: dict[str, str], missing: dict[str, str], why: str | None, config, eval_ds, tick, log) -> dict:
    """Measure ``present``; the summary's ``"ablation"`` entry."""
    from ..ablation import measure_model

    t0 = time.perf_counter()
    doc = {"models": dict(present), "missing": dict(missing), "skipped": why, "results": {},
           "eval_images": len(eval_ds), "calib_data": config.calib_data}
    if why:
        log(f"ablation table: {why}")
        return doc
    for label, path in missing.items():
        log(f"ablation table: {label} missing ({path}), row left out")
    out = config.out / "ablation"
    for label, path in present.items():
        log(f"[{label}] ablation row: calibrating on {config.calib_data} ...")
        result, greedy = measure_model(path, eval_ds, out, calib_data=config.calib_data, per_class=None,
                                       slug=_slug(label), tick=tick, log=log)
        greedy.save(out / f"{_slug(label)}.greedy.qft", force=True)
        doc["results"][label] = result
    doc["seconds"] = round(time.perf_counter() - t0, 1)
    doc["qat_recorded"] = recorded_qat(present)
    return doc


def table_lines(summary: dict) -> list[str]:
    """The CLI's text table (or the one line saying why it is absent)."""
    from ..ablation import text_lines

    doc = summary.get("ablation") or {}
    if not doc.get("results"):
        return [doc.get("skipped") or "skipped"] if doc else []
    lines = text_lines(doc["results"])
    if doc.get("missing"):
        lines.append("missing: " + ", ".join(doc["missing"]))
    if doc.get("qat_recorded"):
        lines.append(qat_line(doc["qat_recorded"]))
    return lines


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
