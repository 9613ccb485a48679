"""The story's last step: latency and accuracy on a phone, as recorded, or else on this host (labelled so)."""

from __future__ import annotations

import datetime as _dt
import platform


def host_info() -> dict:
    """What the host figures were measured on: CPU, machine, LiteRT version, threads, when."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        from importlib.metadata import version

        litert = version("ai-edge-litert")
    except Exception:   # noqa: BLE001  (not installed as a distribution: say so rather than fail)
        litert = "unknown"
    return {"cpu": cpu or platform.machine(), "machine": platform.machine(), "system": platform.system(),
            "litert": litert, "threads": 1,
            "when": _dt.datetime.now(_dt.UTC).isoformat(timespec="minutes")}


def _median(values):
    xs = sorted(v for v in values if v is not None)
    return None if not xs else xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def _on(dev: dict) -> str:
    return f"{dev.get('model') or 'a phone'}" + (f", Android {dev['android']}" if dev.get("android") else "") \
        + (f" ({dev['serial']})" if dev.get("serial") else "")


def device_step(measured: dict) -> dict:
    """The phone step measured on a connected phone by ``qftune present --prepare --device SERIAL``
    (``measured``: a :meth:`core.device.MeasureReport.to_json` with ``_measured``, the UTC time): labelled
    with when and which phone; the presenter adds whether that phone is connected now."""
    dev = measured.get("device") or {}
    on, when = _on(dev), measured.get("_measured", "")
    rows = [{"label": label, "latency_ms": _median(m.get("latency_ms") or []),
             "accuracy": (m.get("accuracy") or {}).get("top1"), "accuracy_note": m.get("accuracy_note", "")}
            for label, m in measured["models"].items()]
    return {"kind": "phone", "title": "On the phone", "source": "device", "when": when, "on": on,
            "serial": dev.get("serial"), "device_model": dev.get("model"), "rows": rows,
            "sentence": f"Measured on {on} at {when} with benchmark_model"
                        + (" and run_eval" if any(r["accuracy"] is not None for r in rows) else "")
                        + " while preparing the talk (qftune present --prepare --device)."}


def phone_step(host_rows: list[dict], report: dict | None, report_path=None, measured: dict | None = None) -> dict:
    """The phone step: figures measured on a phone while preparing (``measured``, see :func:`device_step`),
    else a ``qftune deploy --json`` report's figures labelled *recorded* (when, on what), or without
    either the host's LiteRT figures labelled *host*."""
    if measured:
        return device_step(measured)
    if report:
        dev = report.get("device") or {}
        on = f"{dev.get('model') or 'a phone'}" + (f", Android {dev['android']}" if dev.get("android") else "") \
            + (f" ({dev['serial']})" if dev.get("serial") else "")
        rows = []
        for label, m in report["models"].items():
            acc = (m.get("accuracy") or {}).get("top1")
            rows.append({"label": label, "latency_ms": _median(m.get("latency_ms") or []), "accuracy": acc})
        when = report.get("_recorded", "")
        return {"kind": "phone", "title": "On the phone (recorded)", "source": "recorded", "when": when, "on": on,
                "file": str(report_path) if report_path else None, "rows": rows,
                "sentence": f"Recorded {when} on {on} with benchmark_model: not measured live on this stage."}
    h = host_info()
    on = f"{h['cpu']} ({h['machine']}), LiteRT {h['litert']}, {h['threads']} thread"
    return {"kind": "phone", "title": "Latency and accuracy (host, no phone on file)", "source": "host",
            "when": h["when"], "on": on, "rows": host_rows,
            "sentence": f"Host figures, not a phone: measured {h['when']} on {on}. "
                        "Pass --phone REPORT.json (qftune deploy --json) to show recorded phone figures."}
