"""The demo's report.html: results table, per-tensor SQNR bars, histogram gallery."""

from __future__ import annotations

import html
import math
from pathlib import Path

from ..atomic import atomic_write_text

STYLE = """
body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:12px 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f0f0f0}td.l,th.l{text-align:left}.bad{color:#b00}.good{color:#070}
.bar{background:#5a78aa;height:12px;display:inline-block}.sq td{border:none;padding:1px 6px;font-size:12px}
.gallery img{margin:4px;border:1px solid #ddd}.note{color:#555;font-size:13px}
"""


def _pct(v):
    return "" if v is None else f"{v * 100:.2f}%"


def _sqnr_table(rows: list[dict]) -> str:
    finite = [r["sqnr_db"] for r in rows if isinstance(r["sqnr_db"], (int, float)) and math.isfinite(r["sqnr_db"])]
    top = max(finite) if finite else 1.0
    out = ["<table class='sq'>"]
    for r in rows:
        s = r["sqnr_db"]
        width = 300 if not isinstance(s, (int, float)) or not math.isfinite(s) else max(1, int(300 * max(s, 0) / top))
        label = "inf" if not isinstance(s, (int, float)) or not math.isfinite(s) else f"{s:.1f}"
        out.append(f"<tr><td class='l'>{html.escape(r['name'])}</td><td class='l'>{r['op']}</td>"
                   f"<td><span class='bar' style='width:{width}px'></span></td><td>{label} dB</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def _dfq_table(summary: dict) -> list[str]:
    """Issue 12's table: original, + CLE/BA, + CLE/BA + BC, QF x float and the four int8 cells, plus the verdict."""
    from .dfq import VARIANTS, cell

    cells = [("greedy", "per-channel"), ("greedy", "per-tensor"), ("minmax", "per-channel"), ("minmax", "per-tensor")]
    qf = {(r["method"], r["weights"]): r for r in summary["results"] if r["arch"].upper().startswith("QF")}
    out = []
    for label, doc in summary.get("dfq", {}).items():
        out.append(f"<h2>Data-free fixes (DFQ) on {html.escape(label)}</h2>"
                   f"<p class='note'>CLE/BA: cross-layer equalization + bias absorption ({doc['equalize']['pairs']} "
                   f"pairs, written as {html.escape(doc['equalized_model'])}); BC: analytic bias correction at export. "
                   "Top-1 on the same evaluation images; in brackets the drop in pp from the original's float top-1 "
                   "(QF: from its own float).</p>")
        out.append("<table class='dfq'><tr><th class='l'>model</th><th>float</th>"
                   + "".join(f"<th>{m} {w}</th>" for m, w in cells) + "</tr>")
        rows = [(VARIANTS[v], doc["variants"][v]) for v in VARIANTS]
        if qf:
            rows.append(("QF", {"float": qf.get(("float", "float32")),
                                **{cell(m, w): qf.get((m, w)) for m, w in cells}}))
        for name, r in rows:
            tds = []
            for key in ["float"] + [cell(m, w) for m, w in cells]:
                x = r.get(key)
                if x is None:
                    tds.append("<td>=</td>")
                    continue
                drop = x.get("drop_pp")
                cls = "" if drop is None else ("bad" if drop > 1.0 else "good")
                tds.append(f"<td>{_pct(x['top1'])}" + ("" if drop is None else f" <span class='{cls}'>({drop:+.2f})</span>")
                           + "</td>")
            out.append(f"<tr><td class='l'>{html.escape(name)}</td>" + "".join(tds) + "</tr>")
        out.append("</table>")
        out.append(f"<p class='verdict'>{html.escape(doc['verdict'])}</p>")
    return out


def _ablation_table(summary: dict) -> list[str]:
    """Issue 15's table: the MobileNetV1 ablation, accuracies and the depthwise mechanism (or why it is absent)."""
    from ..ablation import COLUMNS, row_cells

    doc = summary.get("ablation")
    if not doc:
        return []
    out = ["<h2>The paper's ablation: MobileNetV1, original to quantization-friendly</h2>"]
    if not doc.get("results"):
        return out + [f"<p class='note'>{html.escape(doc.get('skipped') or 'skipped')}</p>"]
    out.append(f"<p class='note'>Top-1 on the same {doc['eval_images']} evaluation images, calibrated on "
               f"{html.escape(doc['calib_data'])}; in brackets the change from float (pp). Mechanism over the depthwise "
               "layers: the largest spread of per-channel weight ranges (max/median of per-channel max|w|, folded BN), "
               "channels whose every weight rounds to 0 under per-tensor int8 weights, dead channels (BN variance "
               "&lt; 1e-6) and the largest folded BN scale. The full test set's table: bench/bench_ablation.py "
               "(docs/ablation.md).</p>")
    out.append("<table class='ablation'><tr><th class='l'>model</th>"
               + "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS) + "</tr>")
    for label, r in doc["results"].items():
        out.append(f"<tr><td class='l'>{html.escape(label)}</td>"
                   + "".join(f"<td>{html.escape(c)}</td>" for c in row_cells(r)) + "</tr>")
    out.append("</table>")
    if doc.get("missing"):
        out.append("<p class='note'>not bundled: " + html.escape(", ".join(doc["missing"])) + "</p>")
    if doc.get("qat_recorded"):
        from .ablation import qat_line

        out.append("<p class='note'>" + html.escape(qat_line(doc["qat_recorded"])) + "</p>")
    return out


def write_report(path: str | Path, summary: dict) -> Path:
    """Write report.html for a demo ``summary`` (see :mod:`core.demo.pipeline`)."""
    path = Path(path)
    rows = summary["results"]
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>qftune demo</title><style>{STYLE}</style></head><body>",
             "<h1>qftune demo: int8 MobileNetV2, original vs quantization-friendly</h1>",
             f"<p class='note'>Calibrated on {summary['calib_data']} ({summary['calib_images']} training images); "
             f"evaluated on {summary['eval_data']} ({summary['eval_images']} test images); latency: median of "
             f"single-image invokes, LiteRT XNNPACK, 1 thread, this host. Mode: {summary['mode']}; "
             f"total {summary['seconds']:.0f} s.</p>",
             "<h2>Results</h2><table><tr><th class='l'>architecture</th><th class='l'>method</th>"
             "<th class='l'>weights</th><th>top-1</th><th>drop vs float (pp)</th><th>agreement with float</th>"
             "<th>size KiB</th><th>latency ms</th></tr>"]
    for r in rows:
        drop = r.get("drop_pp")
        cls = "" if drop is None else ("bad" if drop > 1.0 else "good")
        parts.append(f"<tr><td class='l'>{html.escape(r['arch'])}</td><td class='l'>{r['method']}</td>"
                     f"<td class='l'>{r['weights']}</td><td>{_pct(r['top1'])}</td>"
                     f"<td class='{cls}'>{'' if drop is None else f'{drop:+.2f}'}</td><td>{_pct(r.get('agreement'))}</td>"
                     f"<td>{r['size_bytes'] / 1024:.1f}</td><td>{r['latency_ms_median']:.3f}</td></tr>")
    parts.append("</table>")
    parts += _dfq_table(summary)
    parts += _ablation_table(summary)
    for arch, sq in summary.get("sqnr", {}).items():
        parts.append(f"<h2>Per-tensor SQNR: {html.escape(arch)} (greedy, per-channel, {summary['compare_images']} images, "
                     f"worst first)</h2>")
        parts.append(_sqnr_table(sq))
    for arch, pngs in summary.get("histograms", {}).items():
        parts.append(f"<h2>Histograms and chosen ranges: {html.escape(arch)}</h2>"
                     "<p class='note'>green: greedy, red: min/max; counts on a log scale</p><div class='gallery'>")
        for png in pngs:
            parts.append(f"<img src='{html.escape(png)}' alt='{html.escape(png)}' loading='lazy'>")
        parts.append("</div>")
    parts.append("</body></html>")
    atomic_write_text(path, "\n".join(parts))
    return path
