"""The run's report: a JSON document and report.html with the Pareto plot (inline SVG, no plotting
library), top-1 against model bytes and, with ``--cost latency``, against measured LiteRT latency."""

from __future__ import annotations

import html
import json

W, H, PAD = 560, 340, 56


def signed_bytes(n: int) -> str:
    """A change of model size as the user reads it, with its sign: ``+1,024 bytes``, ``-312 bytes`` (the plan's
    export is smaller, e.g. an int16 move whose export drops QUANTIZE ops), ``+0 bytes``."""
    return f"{int(n):+,} bytes"


def _scale(values, lo_px, hi_px):
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        lo, hi = lo - 1, hi + 1
    span = hi - lo
    lo, hi = lo - 0.05 * span, hi + 0.05 * span
    return (lambda v: lo_px + (v - lo) / (hi - lo) * (hi_px - lo_px)), lo, hi


def svg_plot(points: list[dict], front: list[dict], x_key: str, x_label: str, target_top1: float | None) -> str:
    """A scatter of ``points`` (grey) with ``front`` joined (blue), top-1 (%) on y, ``x_key`` on x."""
    pts = [p for p in points if p.get(x_key) is not None]
    fr = [p for p in front if p.get(x_key) is not None]
    if not pts and not fr:
        return "<p>(nothing to plot)</p>"
    xs = [p[x_key] for p in pts + fr]
    ys = [100 * p["top1"] for p in pts + fr] + ([100 * target_top1] if target_top1 is not None else [])
    fx, x0, x1 = _scale(xs, PAD, W - 16)
    fy, y0, y1 = _scale(ys, H - PAD, 16)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
           f'<rect x="{PAD}" y="16" width="{W - 16 - PAD}" height="{H - 16 - PAD}" fill="none" stroke="#888"/>']
    for i in range(5):
        xv, yv = x0 + (x1 - x0) * i / 4, y0 + (y1 - y0) * i / 4
        out.append(f'<text x="{fx(xv):.1f}" y="{H - PAD + 16}" text-anchor="middle">{xv:,.6g}</text>')
        out.append(f'<text x="{PAD - 4}" y="{fy(yv) + 4:.1f}" text-anchor="end">{yv:.2f}</text>')
    out.append(f'<text x="{(PAD + W) / 2:.0f}" y="{H - 12}" text-anchor="middle">{html.escape(x_label)}</text>')
    out.append(f'<text x="14" y="{H / 2:.0f}" transform="rotate(-90 14 {H / 2:.0f})" text-anchor="middle">'
               'top-1 (%), held-out split</text>')
    if target_top1 is not None:
        y = fy(100 * target_top1)
        out.append(f'<line x1="{PAD}" x2="{W - 16}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c33" stroke-dasharray="4 3"/>')
        out.append(f'<text x="{W - 18}" y="{y - 4:.1f}" text-anchor="end" fill="#c33">target</text>')
    for p in pts:
        out.append(f'<circle cx="{fx(p[x_key]):.1f}" cy="{fy(100 * p["top1"]):.1f}" r="3" fill="#bbb"/>')
    if fr:
        path = " ".join(f"{fx(p[x_key]):.1f},{fy(100 * p['top1']):.1f}" for p in fr)
        out.append(f'<polyline points="{path}" fill="none" stroke="#25a" stroke-width="1.5"/>')
        for p in fr:
            out.append(f'<circle cx="{fx(p[x_key]):.1f}" cy="{fy(100 * p["top1"]):.1f}" r="4.5" fill="#25a">'
                       f'<title>{html.escape(_describe(p))}</title></circle>')
    out.append("</svg>")
    return "\n".join(out)


def _describe(p: dict) -> str:
    ch = "; ".join(f"{c['layer']}: {c['label']}" for c in p.get("changes", [])) or "the plan as it was"
    return f"top-1 {100 * p['top1']:.2f}% (drop {p['drop_pp']:.2f} pp): {ch}"


def to_html(doc: dict) -> str:
    """report.html of an autotune run's JSON document."""
    esc = html.escape
    opts = doc["options"]
    target = doc["heldout"]["float_top1"] - opts["max_drop_pp"] / 100.0
    plots = [svg_plot(doc["points"], doc["pareto"], "bytes", "model bytes (.tflite)", target)]
    if opts["cost"] == "latency":
        plots.append(svg_plot([], doc["pareto"], "latency_ms", f"LiteRT latency, ms ({opts['threads']} thread(s))",
                              target))
    conf = doc.get("confirmed") or {}
    rows = [("verdict", doc["verdict"]), ("session", doc["session"]), ("tuned session", doc["out"]),
            ("options", json.dumps(opts)),
            ("held-out split", f"{doc['heldout']['n_images']} images of {doc['heldout']['data']} "
                               f"({doc['heldout']['excluded']} calibration images left out); float top-1 "
                               f"{100 * doc['heldout']['float_top1']:.2f}%, noise band ±{doc['noise_band_pp']:.2f} pp"),
            ("start", f"drop {doc['start']['drop_pp']:.2f} pp on the held-out split"),
            ("best", f"drop {doc['best']['drop_pp']:.2f} pp on the held-out split, "
                     f"{signed_bytes(doc['best']['extra_bytes'])}"),
            ("confirmed", f"float {100 * conf['float_top1']:.2f}%, int8 {100 * conf['int8_top1']:.2f}%, drop "
                          f"{conf['drop_pp']:.2f} pp on {conf['n_images']} images of {conf['data']}, "
                          f"{conf['bytes']:,} bytes" if conf else "not confirmed (cancelled or not run)"),
            ("evaluations", f"{doc['evals']} plans in {doc['search_seconds']:.1f} s ({doc['stopped']})")]
    changes = "".join(f"<li><code>{esc(c['layer'])}/kernel</code>: {esc(c['label'])}</li>"
                      for c in doc["best"]["changes"]) or "<li>nothing: the plan as it was</li>"
    table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in rows)
    return ("<!doctype html><html><head><meta charset='utf-8'><title>qftune autotune</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}th{text-align:left;padding-right:1em;"
            "vertical-align:top}</style></head><body><h1>qftune autotune</h1>"
            f"<table>{table}</table><h2>What it changed</h2><ul>{changes}</ul>"
            "<h2>Pareto front</h2><p>Grey: every plan scored; blue: the front (no plan has more top-1 for less "
            "cost). Bytes of the front's plans are measured on their exported .tflite; the others' are estimated "
            "from their per-channel scales.</p>" + "".join(plots) + "</body></html>")
