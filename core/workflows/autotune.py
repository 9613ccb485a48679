"""``qftune autotune``: from a session's plan, the plan of least cost within a top-1 drop target.

The user action around :mod:`core.autotune`: load the session (its model must be there), check
every output before any work, cut the held-out split (never a calibration image), measure each
layer's sensitivity on it, search on the simulated int8 model, write the tuned session (one
change on the plan: undoable), then confirm the best plan by exporting it (verified) and
evaluating the .tflite with LiteRT on the whole evaluation set; the Pareto front's plans are
exported for their bytes (and their latency, ``cost="latency"``, same threads for every point).
Cancel keeps the best plan found so far: it is written, unconfirmed.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..progress import NULL_PROGRESS, Cancelled

EXIT_MET, EXIT_NOT_MET, EXIT_CANCELLED = 0, 3, 130
LATENCY_IMAGES = 200


@dataclass
class AutotuneResult:
    doc: dict                    # the JSON report (also written beside the tuned session)
    exit_code: int               # EXIT_MET, EXIT_NOT_MET or EXIT_CANCELLED
    outputs: dict                # what was written: session, json, html, tflite

    def to_dict(self) -> dict:
        """What ``qftune autotune --json`` prints and the GUI's Autotune job returns: the report document
        (its ``exit_code`` and ``verdict`` included)."""
        return dict(self.doc)


def autotune_outputs(out: str | Path) -> dict:
    """The files ``--out S_tuned.qft`` writes: the session, its report (.autotune.json, .report.html)
    and the confirmed int8 model (_int8.tflite)."""
    out = Path(out)
    stem = out.with_suffix("")
    return {"session": out, "json": Path(f"{stem}.autotune.json"), "html": Path(f"{stem}.report.html"),
            "tflite": Path(f"{stem}_int8.tflite")}


def _check_outputs(session, session_path, out, force):
    from ..export.report import export_outputs
    from ..outputs import SESSION, Output, check_outputs

    files = autotune_outputs(out)
    outputs = [Output("--out", files["session"], SESSION), Output("the autotune report", files["json"], None),
               Output("the report page", files["html"], None), *export_outputs(files["tflite"])]
    inputs = [("the session", session_path), ("its model", session.model_path)]
    check_outputs(inputs, outputs, force)
    return files, outputs, inputs


def _start_states(plan, base: str) -> tuple[dict, dict]:
    """(layer -> WeightState the search starts from, layer -> kind): the plan's entries, every kernel at the
    hardware's granularity (an entry of another granularity falls back to max|w| at it); float ops
    (``set-precision``) have no int8 kernel and are left out."""
    from ..plan.precision import float_layers
    from ..plan.weight_entry import WeightState, effective_granularity

    states, kinds = {}, {}
    floats = float_layers(plan)
    for layer, e in plan.weights.items():
        if layer in floats:
            continue
        gran = effective_granularity(e.kind, base)
        s = e.state
        if s.granularity is None and s.clip is None:
            s = WeightState(gran, s.method, None)
        elif (s.granularity or gran) != gran:
            s = WeightState(gran, "minmax", None)
        states[layer], kinds[layer] = s, e.kind
    return states, kinds


def _floatable(plan, start: dict) -> set:
    """The weighted layers ``set-precision LAYER float`` accepts (not tied, locked or producing the output)."""
    return {layer for layer in start if _accepts(plan, layer, "float")}


def _exportable_floats(model, plan, start, kinds, base, conv, folder):
    """:class:`core.autotune.exportable.ExportableFloats` of the plan: each candidate checked by a verified
    export of the starting plan with that op float (written to ``folder``, a temporary one)."""
    from ..autotune.exportable import ExportableFloats
    from ..export import export_int8
    from ..plan.weight_entry import WeightEntry, WeightPlan

    def check(layer):
        wp = WeightPlan({x: WeightEntry(x, kinds[x], s) for x, s in start.items()},
                        {**getattr(plan, "precisions", {}), layer: "float"})
        export_int8(model, plan.tensors, plan.ranges(), Path(folder) / "float_check.tflite", weights=base,
                    input_convention=conv, weight_plan=wp, force=True)

    return ExportableFloats(_floatable(plan, start), check)


def _accepts(plan, layer: str, value: str) -> bool:
    from ..plan.checks import PlanError

    try:
        plan.set_precision(layer, value, apply=False)
    except PlanError:
        return False
    return True


def _exportable_int16(model, plan, start, kinds, base):
    """:class:`core.autotune.exportable.ExportableInt16` of the plan: each weighted op ``set-precision int16``
    accepts, with its readers that accept it too; each candidate checked by a verified conversion (in memory)
    of the starting plan with that move made, its bytes against the starting plan's."""
    from ..autotune.exportable import ExportableInt16
    from ..export.export import convert_int8
    from ..plan.weight_entry import WeightEntry, WeightPlan

    precisions = dict(getattr(plan, "precisions", {}))
    also = {layer: tuple(t.name for t in plan.tensors if layer in t.inputs and _accepts(plan, t.name, "int16"))
            for layer in start}

    def convert(extra):
        wp = WeightPlan({x: WeightEntry(x, kinds[x], s) for x, s in start.items()}, {**precisions, **extra})
        data, ver, _ = convert_int8(model, plan.tensors, plan.ranges(), base, weight_plan=wp)
        if not ver.ok:
            raise ValueError("\n".join(["the int16 export does not verify:", *ver.problems]))
        return len(data)

    def check(layer):
        return convert({x: "int16" for x in (layer, *also[layer])})

    candidates = {layer for layer in start if precisions.get(layer, "int8") == "int8" and _accepts(plan, layer, "int16")}
    return ExportableInt16(candidates, check, also, convert({}))


def _measure(model, plan_tensors, ranges, states, kinds, base, folder, conv, latency_ds, threads, name,
             precisions=None):
    """Export one plan's kernel states (verified) to ``folder``; (path, bytes, latency ms or None)."""
    from ..evaluate import evaluate
    from ..export import export_int8
    from ..plan.weight_entry import WeightEntry, WeightPlan

    wp = WeightPlan({layer: WeightEntry(layer, kinds[layer], s) for layer, s in states.items()}, dict(precisions or {}))
    path = Path(folder) / f"{name}.tflite"
    export_int8(model, plan_tensors, ranges, path, weights=base, input_convention=conv, weight_plan=wp, force=True)
    latency = None
    if latency_ds is not None:
        latency = evaluate(path, dataset=latency_ds, threads=threads, convention=conv).latency_ms_median
    return path, path.stat().st_size, latency


def autotune(session_path: str, data: str, options, out: str, model_path: str | None = None, force: bool = False,
             path=None, progress=NULL_PROGRESS, warn=None) -> AutotuneResult:
    """Run the search and write ``out`` (see the module docstring); ``options`` is a
    :class:`core.autotune.options.TuneOptions`."""

    from ..autotune.holdout import calibration_digests, held_out
    from ..autotune.moves import MoveContext
    from ..autotune.report import signed_bytes
    from ..autotune.scoring import Scorer
    from ..autotune.search import Search, noise_band_pp, sensitivity_order
    from ..models.bn_fold import folded_weights
    from ..models.convention import resolve_convention
    from ..models.loading import load_model
    from ..quant.tensors import WEIGHTED_OPS
    from ..sensitivity import sensitivity
    from ..simulate.live import LiveSet
    from ..simulate.model import SimulatedModel, simulated_float
    from ..weights import kernel_stats
    from .inputs import load_session, test_split
    from .simulate import check_data_matches

    t0 = time.perf_counter()
    session = load_session(session_path, model_path)            # a session whose model is gone is named here
    files, _, inputs = _check_outputs(session, session_path, out, force)
    ds = test_split(data, None, path, warn=warn)
    progress.update(0, 1, "loading the model")
    model = load_model(session.require_model())
    size, channels = check_data_matches(model, ds, data)
    conv = resolve_convention(session=session)
    plan, base = session.plan, options.base_granularity
    folded = folded_weights(model)
    stats = kernel_stats(model, folded)
    plan.attach_kernels(stats)
    progress.update(0, 1, "cutting the held-out split")
    calib = calibration_digests(session.calibration, size, channels, session_path, path, warn)
    ho = held_out(ds, options.holdout, size, channels, calib)
    start, kinds = _start_states(plan, base)
    all_stats = stats

    phase = progress.sub(0.0, 0.15, 1.0)
    phase.update(0, 1, "scoring float and the plan on the held-out split")
    sim = SimulatedModel(model, plan.tensors, plan.ranges(), weights=base, folded=folded, weight_plan=plan)
    float_fn = simulated_float(model, folded)
    live = LiveSet(sim, conv.apply(ho.pixels), ho.labels, float_fn)
    float_top1 = float(live.figures.float_top1)
    band = noise_band_pp(float_top1, len(ho.labels))
    weighted = [t for t in plan.tensors if t.op in WEIGHTED_OPS and t.name in start]
    _, rows, _ = sensitivity(model, weighted, plan.ranges(), ho.dataset(), weights=base, include_locked=True,
                             progress=progress.sub(0.15, 0.15, 1.0), convention=conv)
    order = sensitivity_order(rows, set(start), band)

    check_dir = tempfile.TemporaryDirectory(prefix="qftune-float-check-")
    floats = (_exportable_floats(model, plan, start, kinds, base, conv, check_dir.name) if "float" in options.allow
              else None)
    int16 = _exportable_int16(model, plan, start, kinds, base) if "int16" in options.allow else None
    ctx = MoveContext(all_stats, list(plan.tensors), floats if floats is not None else set(),
                      options.may_go_per_channel, int16 if int16 is not None else frozenset())

    def build(weight_plan):          # a plan with other float ops: a simulation of its own
        s = SimulatedModel(model, plan.tensors, plan.ranges(), weights=base, folded=folded, weight_plan=weight_plan)
        return LiveSet(s, conv.apply(ho.pixels), ho.labels, float_fn)

    search = Search(Scorer(live, build), kinds, ctx, start, float_top1, options, progress.sub(0.3, 0.5, 1.0),
                    getattr(plan, "precisions", {}))
    try:
        result = search.run(order)
    finally:
        check_dir.cleanup()
    best = result.best

    # the tuned session: the session's plan with the best plan's kernel states and float ops, one undoable change
    from ..plan.precision import PrecisionState, precision_name
    from ..plan.weight_entry import kernel_name

    after = {kernel_name(layer): s for layer, s in best.states.items() if plan.weights[layer].state != s}
    after.update({precision_name(layer): PrecisionState(p) for layer, p in best.precisions.items()
                  if plan.precision(layer) != p})
    what = "; ".join(f"{c['layer']}: {c['label']}" for c in best.changes) or "kernels at the hardware's granularity"
    plan.make_change(f"autotune: {what}", after, (), apply=True)

    doc = {"session": str(session_path), "out": str(files["session"]), "model": session.model_path,
           "options": options.to_dict(),
           "heldout": {"data": data, "n_images": int(len(ho.labels)), "excluded": ho.excluded,
                       "calibration_images": ho.calibration_images, "float_top1": float_top1},
           "noise_band_pp": band, "sensitivity": [o.to_dict() for o in order],
           "start": result.start.to_dict(), "best": best.to_dict(), "met_heldout": result.met,
           "cancelled": result.cancelled, "stopped": result.stopped, "evals": search.evals,
           "search_seconds": round(result.seconds, 2), "changes": best.changes,
           "every_op_int8": None, "confirmed": None}
    points = result.points
    confirmed, measured = None, {}
    if not result.cancelled:
        try:
            confirmed, measured = _confirm(model, plan, session, best, points, kinds, base, conv, ds, ho, options,
                                           files, inputs, force, progress.sub(0.8, 0.2, 1.0))
        except Cancelled:
            doc["cancelled"], doc["stopped"] = True, "cancelled while confirming"
    doc["confirmed"] = confirmed
    from ..plan.precision import float_layers, int16_layers

    # the verifier checked every tensor against the plan; the session's own float ops (set-precision) stay float
    doc["every_op_int8"] = (confirmed["verified"] and not float_layers(plan) and not int16_layers(plan)) \
        if confirmed else None
    doc["float_ops"] = sorted(float_layers(plan))
    doc["int16_ops"] = sorted(int16_layers(plan))
    if floats is not None:      # ops a float move could not offer: the verified export refused them
        doc["float_refused"] = dict(floats.refused)
    if int16 is not None:       # int16 moves: refused ones (the verified export) and the measured bytes of each
        doc["int16_refused"] = dict(int16.refused)
        doc["int16_extra_bytes"] = dict(int16.extra_bytes)
    doc.update(_front_doc(points, measured, confirmed, options))
    if doc["cancelled"]:
        code, verdict = EXIT_CANCELLED, (f"cancelled: the best plan found so far is written (held-out drop "
                                         f"{best.drop_pp:.2f} pp, not confirmed on the full set)")
    elif confirmed and confirmed["met"] and result.met:
        code, verdict = EXIT_MET, (f"target met: drop {confirmed['drop_pp']:.2f} pp <= {options.max_drop_pp:g} pp "
                                   f"on {confirmed['n_images']} images, "
                                   + (f"float ops: {', '.join(doc['float_ops'])}" if doc["float_ops"] else
                                      "" if doc["int16_ops"] else "every op int8")
                                   + (("; " if doc["float_ops"] else "") + f"int16 ops: {', '.join(doc['int16_ops'])}"
                                      if doc["int16_ops"] else ""))
    else:
        where = (f"{confirmed['drop_pp']:.2f} pp on the full set ({best.drop_pp:.2f} pp held out)"
                 if confirmed else f"{best.drop_pp:.2f} pp held out")
        code, verdict = EXIT_NOT_MET, (f"target not reached ({options.max_drop_pp:g} pp): the best plan found drops "
                                       f"{where} at {signed_bytes(best.extra_bytes)}"
                                       + (f", {confirmed['bytes']:,} bytes in all" if confirmed else ""))
    doc["verdict"], doc["exit_code"] = verdict, code
    doc["seconds"] = round(time.perf_counter() - t0, 1)
    _write(session, doc, files, inputs, force)
    return AutotuneResult(doc, code, {k: str(v) for k, v in files.items() if k != "tflite" or confirmed})


def _confirm(model, plan, session, best, points, kinds, base, conv, ds, ho, options, files, inputs, force, progress):
    """Export the best plan (verified, written beside the session) and evaluate it and float on the full
    set with LiteRT; export the front's other plans for their bytes (and latency)."""
    from ..autotune.pareto import front
    from ..evaluate import evaluate
    from ..export import convert_float, export_int8

    progress.update(0, 4, "exporting the tuned plan")
    report = export_int8(model, plan.tensors, plan.ranges(), files["tflite"], weights=base, input_convention=conv,
                         weight_plan=plan, source=session.model_path, force=force)
    progress.update(1, 4, "evaluating the tuned .tflite on the full set")
    lat_ds = ho.dataset().limit(LATENCY_IMAGES) if options.cost == "latency" else None
    int8 = evaluate(files["tflite"], dataset=ds, threads=options.threads, convention=conv,
                    progress=progress.sub(0.25, 0.35, 1.0))
    with tempfile.TemporaryDirectory() as tmp:
        float_path = Path(tmp) / "float.tflite"
        float_path.write_bytes(convert_float(model))
        progress.update(2.4, 4, "evaluating float on the full set")
        flt = evaluate(float_path, dataset=ds, threads=options.threads, convention=conv,
                       progress=progress.sub(0.6, 0.25, 1.0))
        latency = None
        if lat_ds is not None:
            latency = evaluate(files["tflite"], dataset=lat_ds, threads=options.threads,
                               convention=conv).latency_ms_median
        measured = {best.index: (report.size_bytes, latency)}
        progress.update(3.4, 4, "measuring the Pareto front")
        for p in front(points)[:8]:
            if p.index not in measured:
                progress.check_cancelled()
                _, nbytes, lat = _measure(model, plan.tensors, plan.ranges(), p.states, kinds, base, tmp, conv,
                                          lat_ds, options.threads, f"p{p.index}", p.precisions)
                measured[p.index] = (nbytes, lat)
    drop = (flt.top1 - int8.top1) * 100.0
    confirmed = {"data": str(ds.source or ""), "n_images": int8.n_images, "float_top1": flt.top1,
                 "int8_top1": int8.top1, "drop_pp": round(drop, 4), "met": drop <= options.max_drop_pp + 1e-9,
                 "tflite": str(files["tflite"]), "bytes": report.size_bytes, "latency_ms": latency,
                 "threads": options.threads, "verified": bool(report.verification.get("ok"))}
    progress.update(4, 4, "confirmed")
    return confirmed, measured


def _front_doc(points, measured: dict, confirmed, options) -> dict:
    """Every scored point and the front, with bytes measured on the front's exports (else estimated)."""
    from ..autotune.pareto import front

    ref = next(((i, b) for i, (b, _) in measured.items()), None)
    base_bytes = None
    if ref is not None:
        base_bytes = ref[1] - next(p.extra_bytes for p in points if p.index == ref[0])

    def row(p):
        d = p.to_dict()
        got = measured.get(p.index)
        d["bytes"] = got[0] if got else (base_bytes + p.extra_bytes if base_bytes is not None else None)
        d["bytes_measured"] = got is not None
        d["latency_ms"] = got[1] if got else None
        d["plan"] = p.plan_dict()
        return d

    return {"points": [row(p) for p in points], "pareto": [row(p) for p in front(points)]}


def _write(session, doc: dict, files: dict, inputs, force: bool) -> None:
    from ..autotune.report import to_html
    from ..outputs import SESSION, Output, write_outputs

    write_outputs([(Output("--out", files["session"], SESSION), session.to_bytes(files["session"])),
                   (Output("the autotune report", files["json"], None),
                    (json.dumps(doc, indent=1, allow_nan=False) + "\n").encode()),
                   (Output("the report page", files["html"], None), to_html(doc).encode())],
                  force=force, inputs=inputs)
