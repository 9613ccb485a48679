"""Measure on device (issue 21, "phone in the loop"): the plan as it is now, exported through the verified
export path, scored on the host with LiteRT and then measured on a phone (latency rounds, accuracy
with run_eval), as one record of figures the GUI attaches to an undo step and the CLI prints.

Two halves, because they run in different places in the GUI: :func:`export_and_score` needs
TensorFlow (the engine process), :func:`measure_exported` needs adb (the GUI's job thread, where the
Device panel measures too). :func:`figures` joins them. No Qt here.
"""

from __future__ import annotations

import datetime as _dt

from ..progress import NULL_PROGRESS


def export_and_score(model_path: str, tensors, ranges: dict, out: str, weight_plan=None, convention=None,
                     calibration: dict | None = None, data: str = "embedded:eval", limit: int | None = None,
                     progress=NULL_PROGRESS) -> dict:
    """Export the plan to ``out`` (verified, as ``qftune export``) and evaluate the file with LiteRT on
    the host on ``data`` (first ``limit`` images): ``{"tflite", "host_litert": {top1, latency_ms, images, data}}``."""
    from ..evaluate import evaluate
    from .export import export
    from .inputs import as_convention

    report = export(model_path, tensors, ranges, out, weights="per-channel", convention=convention,
                    calibration=calibration, weight_plan=weight_plan, progress=progress.sub(0.0, 0.6, 1.0))
    r = evaluate(report.path, data, limit=limit, convention=as_convention(convention),
                 progress=progress.sub(0.6, 0.4, 1.0))
    return {"tflite": str(report.path),
            "host_litert": {"top1": r.top1, "latency_ms": r.latency_ms_median, "images": r.n_images, "data": data}}


def _median(values):
    xs = sorted(v for v in values if v is not None)
    if not xs:
        return None
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


def device_figures(report, label: str = "int8") -> dict:
    """The figures of ``label`` in a :class:`core.device.MeasureReport`: median latency over the rounds,
    best round, top-1 on the device (None with the reason when not measured), and which phone, when."""
    lat = report.latency_ms(label)
    acc = report.accuracy.get(label)
    dev = report.device
    return {"latency_ms": _median(lat), "best_ms": min((v for v in lat if v is not None), default=None),
            "rounds": len(lat), "top1": acc.top1 if acc is not None else None,
            "images": acc.num_runs if acc is not None else None,
            "accuracy_note": report.accuracy_notes.get(label, ""),
            "serial": dev.serial if dev else None, "model": dev.model if dev else None,
            "android": dev.android if dev else None,
            "when": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}


def measure_exported(tflite: str, config, progress=NULL_PROGRESS, on_event=None) -> dict:
    """Measure the exported ``tflite`` on the device of ``config`` (a :class:`core.device.MeasureConfig`)
    through ``qftune deploy``'s path (the export checked against its report first): its figures."""
    from .deploy import deploy

    report = deploy({"int8": tflite}, config, progress=progress, on_event=on_event)
    return device_figures(report, "int8")


def figures(host: dict, device: dict) -> dict:
    """One undo step's measured record: ``{"tflite", "host_litert": {...}, "device": {...}}``."""
    return {"tflite": host["tflite"], "host_litert": host["host_litert"], "device": device}


def describe(record: dict) -> list[str]:
    """Human lines for a measured record (the GUI's tooltip and panel, the CLI's output)."""
    h, d = record["host_litert"], record["device"]
    host = f"host LiteRT: top-1 {100 * h['top1']:.2f} % on {h['images']} images"
    if h.get("latency_ms") is not None:
        host += f", {h['latency_ms']:.2f} ms/image"
    phone = d.get("model") or "device"
    lat = "latency not read" if d.get("latency_ms") is None else f"{d['latency_ms']:.2f} ms"
    acc = (f"top-1 {100 * d['top1']:.2f} % on {d['images']} images" if d.get("top1") is not None
           else f"top-1 not measured ({d.get('accuracy_note') or 'no run_eval'})")
    return [host, f"device {phone} ({d.get('serial')}): {lat}, {acc}"]


def measure_session(session_path: str, config, out: str | None = None, progress=NULL_PROGRESS,
                    on_event=None) -> dict:
    """``qftune deploy S.qft``: the session's plan exported to ``out`` (default ``<S>_measured_int8.tflite``
    beside it), scored with LiteRT on the host and measured on the phone of ``config``, both on
    ``config.eval_data`` (None: the evaluation split of the data the session was calibrated on)."""
    from pathlib import Path

    from ..data.spec import evaluation_split
    from ..models.convention import resolve_convention
    from ..plan.weight_entry import WeightPlan
    from .inputs import load_session

    s = load_session(session_path)
    if config.eval_data is None:
        spec = (s.calibration or {}).get("data")
        config.eval_data = evaluation_split(spec) if spec else "embedded:eval"
    out = out or str(Path(session_path).with_name(f"{Path(session_path).stem}_measured_int8.tflite"))
    host = export_and_score(s.model_path, list(s.plan.tensors), s.plan.ranges(), out,
                            weight_plan=WeightPlan.of(s.plan), convention=resolve_convention(session=s).to_dict(),
                            calibration=dict(s.calibration or {}), data=config.eval_data, limit=config.eval_images,
                            progress=progress.sub(0.0, 0.4, 1.0))
    return figures(host, measure_exported(host["tflite"], config, progress.sub(0.4, 0.6, 1.0), on_event))
