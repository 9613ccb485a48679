"""qftune set-precision: compute one op of a session's plan in int8 (default), int16 (16x8) or float."""

from __future__ import annotations


def register(sub):
    from ...plan.precision import PRECISIONS

    p = sub.add_parser("set-precision", help="set one op's precision (int8, int16 or float) in a session",
                       description="Compute LAYER's op in int8 (the default) or float in the export: a float op "
                       "keeps its kernel and output in float32, with DEQUANTIZE/QUANTIZE at its boundaries; the "
                       "ops reading its output compute in float too and are re-quantized with their own ranges. "
                       "int16 (TFLite 16x8): int16 activations on the symmetric 16-bit grid of the op's range "
                       "(max(|min|,|max|)/32767, zero point 0), int8 weights; such a plan is exported through "
                       "ai-edge-quantizer with the plan's ranges, verified the same way (docs/precision.md); only "
                       "op kinds with a LiteRT 16x8 kernel are accepted. A float or int16 edit is accepted only "
                       "when the plan with it exports verified (checked in memory: needs the model). Saves the "
                       "session in place (locked, atomic); undoable in the GUI like any edit.")
    p.add_argument("session", metavar="S.qft", help="session file (rewritten atomically)")
    p.add_argument("layer", metavar="LAYER", help="op name (a tensor of qftune ranges)")
    p.add_argument("precision", metavar="PRECISION", help=f"one of {', '.join(PRECISIONS)}")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...plan.precision import DEFAULT_PRECISION, check_precision
    from ...session import edit_session
    from ...workflows.precision_check import check_precision_exports

    check_precision(args.layer, args.precision)   # names a bad value before the session is touched
    # lock, re-read, edit, save: a refusal (PlanError, a ValueError) leaves the file untouched
    with edit_session(args.session) as session:
        change = session.plan.set_precision(args.layer, args.precision)
        if args.precision != DEFAULT_PRECISION:   # never save an edit the export would refuse
            check_precision_exports(session, args.layer, args.precision)
    for note in change.notes:
        print(f"note: {note}")
    print(f"{args.layer}: {session.plan.precision(args.layer)}; saved {args.session}")
    return 0
