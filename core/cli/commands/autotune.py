"""qftune autotune: the plan of least cost whose top-1 drop against float stays within --max-drop."""

from __future__ import annotations

import argparse
import signal
import sys

from ...data import SPEC_HELP
from ..argtypes import float_range, int_range
from ..json_output import print_json

EPILOG = """exit codes: 0 the target is met on the held-out split and confirmed on the full evaluation set
(verified; every op int8 unless --allow float or int16); 3 the target is not reached (or not confirmed on the
full set): the best plan
found is written and its drop and cost are printed; 130 cancelled (Ctrl-C): the best plan found so far is
written, unconfirmed; 2 bad input (nothing written).
moves: clip (a weight clip per layer: the weight choosers and the widest live channel), per-channel
(per-channel weights for a layer, only with --weights any), float (an op computed in float32, as
set-precision LAYER float: its kernel and its readers' kernels grow to float32; only when allowed),
int16 (an op and the readers it feeds with 16x8 activations, as set-precision LAYER int16; offered only
when that export verifies, its extra bytes measured on it; only when allowed)."""


def _allow(text: str):
    from ...autotune.options import AutotuneInputError, parse_allow

    try:
        return parse_allow(text)
    except AutotuneInputError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--allow").lstrip(": ")) from None


def register(sub):
    p = sub.add_parser("autotune", help="find the cheapest plan within a top-1 drop target (weight clips, "
                       "per-channel, float ops)",
                       description="From the session's plan, find the plan of least cost whose top-1 drop against "
                       "float is within --max-drop percentage points: layers in the order of their measured "
                       "sensitivity, moves judged on a held-out split of --data that never overlaps the calibration "
                       "images (simulated int8), the best plan confirmed by exporting it and evaluating the .tflite "
                       "with LiteRT on the whole evaluation set. Writes S_tuned.qft, S_tuned.autotune.json (the "
                       "Pareto front), S_tuned.report.html (its plot) and S_tuned_int8.tflite. Ctrl-C keeps the "
                       "best plan found so far.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("session", metavar="S.qft", help="session file (read only)")
    p.add_argument("--data", required=True, help=SPEC_HELP + " (its test split: the held-out split and the full "
                   "evaluation set)")
    p.add_argument("--max-drop", dest="max_drop", required=True, type=float_range(0.0, 100.0), metavar="PP",
                   help="largest top-1 drop against float allowed, in percentage points (e.g. 0.3)")
    p.add_argument("--cost", choices=["size", "latency"], default="size",
                   help="what least cost means: model bytes (default), or also LiteRT latency measured for the "
                   "Pareto front (same threads for every point)")
    p.add_argument("--weights", choices=["per-tensor", "per-channel", "any"], default="any",
                   help="the hardware's weights: per-tensor only (a DSP/accelerator), per-channel, or any "
                   "(default: per-tensor where it is enough, per-channel where it pays)")
    p.add_argument("--allow", type=_allow, default=("clip", "per-channel"), metavar="MOVES",
                   help="comma-separated moves it may use: clip, per-channel, int16, float (default clip,per-channel)")
    p.add_argument("--max-evals", dest="max_evals", type=int_range(1), default=200, metavar="N",
                   help="score at most N plans on the held-out split (default 200)")
    p.add_argument("--holdout", type=int_range(1), default=2000, metavar="N",
                   help="images in the held-out split (default 2000)")
    p.add_argument("--threads", type=int_range(1), default=1, help="LiteRT threads for evaluation and latency")
    p.add_argument("--out", required=True, metavar="S_tuned.qft", help="the tuned session (never an input)")
    p.add_argument("--model", default=None, help="the calibrated Keras model, if it moved since calibration")
    p.add_argument("--path", default=None, help="folder of the dataset files when the spec needs one")
    p.add_argument("--force", action="store_true", help="replace existing output files of another kind")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...autotune.options import TuneOptions
    from ...workflows.autotune import autotune
    from ..progressbar import TextProgress

    options = TuneOptions(args.max_drop, cost=args.cost, weights=args.weights, allow=args.allow,
                          max_evals=args.max_evals, holdout=args.holdout, threads=args.threads)
    bar = TextProgress("autotune")
    previous = None

    def on_sigint(_sig, _frame):          # first Ctrl-C: stop at the next plan and keep the best; second: now
        bar.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:                     # not the main thread (an embedding caller): no handler
        previous = None
    try:
        result = autotune(args.session, args.data, options, args.out, model_path=args.model, force=args.force,
                          path=args.path, progress=bar, warn=bar.warn)
    finally:
        bar.close()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    doc = result.to_dict()
    if args.json:
        print_json(doc)
    else:
        print(format_result(doc))
    if result.exit_code != 0:
        print(f"qftune autotune: {doc['verdict']}", file=sys.stderr)
    return result.exit_code


def format_result(doc: dict) -> str:
    from ...autotune.report import signed_bytes

    ho, best, conf = doc["heldout"], doc["best"], doc.get("confirmed")
    lines = [doc["verdict"],
             f"held-out split: {ho['n_images']} images of {ho['data']} ({ho['excluded']} calibration images left "
             f"out), float top-1 {100 * ho['float_top1']:.2f}%, noise band ±{doc['noise_band_pp']:.2f} pp",
             f"start: drop {doc['start']['drop_pp']:.2f} pp; best: drop {best['drop_pp']:.2f} pp, "
             f"{signed_bytes(best['extra_bytes'])} ({doc['evals']} plans scored in {doc['search_seconds']:.1f} s, "
             f"{doc['stopped']})"]
    lines.append("changed:" if best["changes"] else "changed: nothing (the plan as it was, kernels at "
                 f"{doc['options']['weights']})")
    lines += [f"  {c['layer']}" + ("/kernel" if c["move"] != "float" else "") + f": {c['label']}"
              for c in best["changes"]]
    if conf:
        lines.append(f"confirmed on {conf['n_images']} images of {conf['data']}: float {100 * conf['float_top1']:.2f}%, "
                     f"int8 {100 * conf['int8_top1']:.2f}% (drop {conf['drop_pp']:.2f} pp), {conf['bytes']:,} bytes"
                     + (f", {conf['latency_ms']:.2f} ms" if conf.get("latency_ms") is not None else "")
                     + (", verified" if conf["verified"] else "")
                     + ((f", float ops: {', '.join(doc['float_ops'])}" if doc.get("float_ops") else ", every op int8")
                        if conf["verified"] else ""))
    lines.append("Pareto front (held-out top-1, bytes" + (", latency" if doc["options"]["cost"] == "latency" else "")
                 + "):")
    for p in doc["pareto"]:
        lat = f", {p['latency_ms']:.2f} ms" if p.get("latency_ms") is not None else ""
        nb = f"{p['bytes']:,} bytes" if p.get("bytes") is not None else signed_bytes(p["extra_bytes"])
        lines.append(f"  {100 * p['top1']:.2f}% (drop {p['drop_pp']:.2f} pp), {nb}{lat}: "
                     + ("; ".join(f"{c['layer']} {c['label']}" for c in p["changes"]) or "the plan as it was"))
    lines.append(f"wrote {doc['out']} and its report (.autotune.json, .report.html) in {doc['seconds']:.1f} s")
    return "\n".join(lines)
