"""The demo's data-free fixes (issue 12) on the original model: CLE + bias absorption, then bias correction.

For the original model the demo also writes ``<slug>_cle.keras`` (+ ``.dfq.json`` and card),
calibrates it, exports greedy/min/max x per-channel/per-tensor int8 (verified) without and with
analytic bias correction (BN statistics from the equalization; the stem, which has none, gets
the calibration images' means), evaluates them on the demo's evaluation images, and compares
every per-tensor cell with the plain model's by McNemar's exact test. Summary layout::

    summary["dfq"][label] = {
        "equalized_model": "<slug>_cle.keras", "equalize": {...pairs, sweeps...},
        "variants": {"plain" | "cle_ba" | "cle_ba_bc": {"float" | "greedy/per-channel" | ...: row}},
        "mcnemar": {"cle_ba" | "cle_ba_bc": {"greedy/per-tensor": {...}, ...}},
        "verdict": "<one sentence computed from the numbers>"}
"""

from __future__ import annotations

import math

import numpy as np

VARIANTS = {"plain": "original", "cle_ba": "original + CLE/BA", "cle_ba_bc": "original + CLE/BA + BC"}
ALPHA = 0.05


def cell(method: str, weights: str) -> str:
    return f"{method}/{weights}"


def mcnemar(a_right: np.ndarray, b_right: np.ndarray) -> dict:
    """McNemar's exact (binomial) test of two classifiers on the same images.

    ``a_right``/``b_right``: booleans per image. Returns the discordant counts and the two-sided p."""
    a_right, b_right = np.asarray(a_right, bool), np.asarray(b_right, bool)
    b, c = int(np.sum(a_right & ~b_right)), int(np.sum(~a_right & b_right))
    n = b + c
    p = 1.0 if n == 0 else min(1.0, 2.0 * sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2.0 ** n)
    return {"only_variant_right": b, "only_plain_right": c, "p_exact": round(p, 4)}


def run_dfq(label, slug, model_path, out, eval_ds, conv, calib_data, plain: dict, plain_preds: dict,
            methods, weights_list, row, tick, log, relu6: str = "relu") -> dict:
    """Equalize ``model_path``, export/evaluate its CLE/BA and CLE/BA+BC variants; returns ``summary["dfq"][label]``.

    ``plain``: the plain model's rows keyed ``"float"`` and :func:`cell`; ``plain_preds``: its
    per-image predictions keyed by :func:`cell`; ``row(label, method, weights, result, float_result)``
    builds a results row like the demo's."""
    from ..ablation import export_and_evaluate_cells
    from ..atomic import atomic_write_bytes
    from ..calibrate import calibrate
    from ..equalize import equalize_model
    from ..equalize.bias_correction import correction_inputs
    from ..equalize.write import write_result
    from ..evaluate import evaluate
    from ..export import convert_float
    from ..models.loading import load_model

    original = load_model(model_path)
    eq = equalize_model(original, relu6=relu6)
    eq_path = out / f"{slug}_cle.keras"
    write_result(eq, model_path, eq_path, convention=conv)
    log(f"[{label}] equalized: {len(eq.pairs)} pairs, {eq.sweeps} sweeps, {len(eq.absorbed)} layers' biases absorbed, "
        f"ReLU6 -> ReLU in {len(eq.relu6_replaced)} -> {eq_path.name}")
    model = load_model(eq_path)
    float_path = out / f"{slug}_cle_float.tflite"
    atomic_write_bytes(float_path, convert_float(model))
    f_res = evaluate(float_path, dataset=eval_ds, convention=conv)
    # drops are measured from the plain model's float top-1, so a change of the float model shows too
    plain_float = _Top1(plain["float"]["top1"])
    variants = {"plain": plain, "cle_ba": {"float": row(label, "float", "float32", f_res, plain_float)}, "cle_ba_bc": {}}
    log(f"[{label}] + CLE/BA float top-1 {f_res.top1 * 100:.2f}% (original {plain_float.top1 * 100:.2f}%)")
    tick(f"{label}: equalized")

    greedy = calibrate(str(eq_path), calib_data, per_class=None, method="greedy", convention=conv)
    sessions = {"greedy": greedy, "minmax": greedy.rechoose("minmax")}
    for m, s in sessions.items():
        s.save(out / f"{slug}_cle.{m}.qft")
    x_cal, _stats = correction_inputs({"data": calib_data, "per_class": None}, model, None, conv)
    tick(f"{label}: equalized model calibrated")

    preds = {}
    for variant, bc in (("cle_ba", "none"), ("cle_ba_bc", "analytic")):
        def on_cell(method, weights, r, variant=variant):
            if r is None:
                return
            key = cell(method, weights)
            variants[variant][key] = row(label, method, weights, r, plain_float)
            preds[(variant, key)] = r.predictions
            log(f"[{label}] {VARIANTS[variant]:22s} {method:6s} {weights:11s} int8 top-1 {r.top1 * 100:.2f}% "
                f"(drop {variants[variant][key]['drop_pp']:+.2f} pp)")
            tick(f"{label}: {VARIANTS[variant]} {method} {weights}")

        export_and_evaluate_cells(model, eq_path, {m: sessions[m].plan for m in methods}, out, f"{slug}_{variant}",
                                  eval_ds, conv, float_path=float_path, weights=weights_list, on_cell=on_cell,
                                  bias_correction=bc, calib_images=x_cal, preact_stats=eq.preact_stats)

    labels = np.asarray(eval_ds.labels)
    mcn = {v: {k: mcnemar(preds[(v, k)] == labels, plain_preds[k] == labels)
               for k in (cell(m, w) for m in methods for w in weights_list)} for v in ("cle_ba", "cle_ba_bc")}
    doc = {"equalized_model": eq_path.name,
           "equalize": {"pairs": len(eq.pairs), "sweeps": eq.sweeps, "absorbed_layers": len(eq.absorbed),
                        "relu6": relu6, "relu6_replaced": len(eq.relu6_replaced)},
           "variants": variants, "mcnemar": mcn, "n_images": int(len(labels))}
    doc["verdict"] = verdict(doc, methods)
    log(f"[{label}] {doc['verdict']}")
    return doc


class _Top1:
    def __init__(self, top1):
        self.top1 = top1


def verdict(doc: dict, methods) -> str:
    """One sentence, from the numbers: did CLE/BA (+BC) change per-tensor top-1 beyond noise (McNemar p < 0.05)?"""
    v = doc["variants"]
    parts, significant = [], []
    for variant in ("cle_ba", "cle_ba_bc"):
        cells = []
        for m in methods:
            k = cell(m, "per-tensor")
            test = doc["mcnemar"][variant][k]
            before, after = v["plain"][k]["top1"] * 100, v[variant][k]["top1"] * 100
            cells.append(f"{m} {before:.2f}% -> {after:.2f}% (p={test['p_exact']:.2g})")
            if test["p_exact"] < ALPHA:
                significant.append(f"{VARIANTS[variant].replace('original + ', '')} {m} "
                                   f"({'better' if after > before else 'worse'})")
        parts.append(f"with {VARIANTS[variant].replace('original + ', '')} " + ", ".join(cells))
    head = f"Per-tensor top-1 of the original model on {doc['n_images']} images: " + "; ".join(parts)
    if significant:
        return head + f" — beyond noise (McNemar exact p < {ALPHA}) for " + ", ".join(significant) + "."
    return head + f" — no change beyond noise (McNemar exact p >= {ALPHA} in every case)."


def table_lines(summary: dict) -> list[str]:
    """The DFQ table as text (top-1 %, drop in pp), one block per model that has it, then its verdict."""
    cells = [(m, w) for m in ("greedy", "minmax") for w in ("per-channel", "per-tensor")]
    qf = {(r["method"], r["weights"]): r for r in summary["results"] if r["arch"].upper().startswith("QF")}
    lines = []
    for doc in summary.get("dfq", {}).values():
        lines.append(f"{'':24s} {'float':>16s} " + " ".join(f"{m + ' ' + w:>22s}" for m, w in cells))
        rows = [(VARIANTS[v], doc["variants"][v]) for v in VARIANTS]
        if qf:
            rows.append(("QF", {"float": qf.get(("float", "float32")), **{cell(m, w): qf.get((m, w)) for m, w in cells}}))
        for name, r in rows:
            out = []
            for key in ["float"] + [cell(m, w) for m, w in cells]:
                x = r.get(key)
                txt = "=" if x is None else f"{x['top1'] * 100:.2f}" + (
                    "" if x.get("drop_pp") is None else f" ({x['drop_pp']:+.2f})")
                out.append(f"{txt:>{16 if key == 'float' else 22}s}")
            lines.append(f"{name:24s} " + " ".join(out))
        lines.append(doc["verdict"])
    return lines
