"""qftune evaluate: top-1/top-5, per-class accuracy and latency of a .tflite or Keras model, or of a
session's plan through the simulated int8 model (S.qft: nothing exported)."""

from __future__ import annotations

from ...data import SPEC_HELP
from ...data.classes import CLASS_MAP_HELP
from ..argtypes import MAX_THREADS, int_range
from ..json_output import print_json


def register(sub):
    p = sub.add_parser("evaluate", help="accuracy and latency of a .tflite or Keras model on the host",
                       description="Top-1, top-5 and per-class accuracy, latency per single-image invoke (median and "
                       "p90, LiteRT with XNNPACK, warm-up excluded) and, with --reference, the agreement with a float model.")
    from ...quant.granularity import GRANULARITIES

    p.add_argument("model", help="MODEL.tflite (int8 or float), a Keras model (.keras, .h5, SavedModel directory), "
                   "or a session S.qft: its plan through the simulated int8 model, without exporting")
    p.add_argument("--data", default=None, help=SPEC_HELP + " (default embedded:eval; for a session, the test split "
                   "of the data it was calibrated on)")
    p.add_argument("--weights", choices=list(GRANULARITIES), default="per-channel",
                   help="a session's simulated weight granularity, as export's --weights (default per-channel)")
    p.add_argument("--model", dest="model_file", default=None,
                   help="a session's calibrated Keras model, if it moved since calibration")
    p.add_argument("--path", default=None, help="folder of the Fashion-MNIST IDX files (default: Debian's)")
    p.add_argument("--limit", type=int_range(1), default=None, help="evaluate on the first N images only (N >= 1)")
    p.add_argument("--threads", type=int_range(1, MAX_THREADS), default=1,
                   help=f"interpreter threads (default 1; 1 to {MAX_THREADS})")
    p.add_argument("--reference", default=None, help="float model to measure top-1 agreement with")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--skip-bad", action="store_true", help="skip unreadable image files (each reported) instead of stopping")
    p.add_argument("--class-map", metavar="FILE", default=None, help=CLASS_MAP_HELP)
    from ...model_input import add_convention_flags

    add_convention_flags(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ...model_input import convention_from_args
    from ...workflows.evaluate import evaluate

    if str(args.model).lower().endswith(".qft"):
        return _run_session(args)
    if args.model_file is not None:
        from .. import CliError

        raise CliError("--model is for a session (S.qft); a model file is evaluated as given")
    return _report(args, lambda bar: evaluate(
        args.model, args.data or "embedded:eval", args.limit, args.threads, reference=args.reference,
        convention=convention_from_args(args), path=args.path, skip_bad=args.skip_bad, class_map=args.class_map,
        progress=bar, warn=bar.warn))


def _report(args, measure) -> int:
    """Run ``measure(bar)`` under one progress bar, then print its result (JSON or text): both evaluations end here."""
    from ...evaluate import format_result
    from ..progressbar import TextProgress

    bar = TextProgress("evaluate")
    try:
        r = measure(bar)
    finally:
        bar.close()
    if args.json:
        print_json(r.to_dict())
    else:
        print(format_result(r))
    return 0


def _run_session(args) -> int:
    from ...workflows.simulate import evaluate_session

    if any(getattr(args, k, None) for k in ("input_scale", "input_offset", "mean", "std")):
        from .. import CliError

        raise CliError("a session's images go through the input convention it was calibrated with; "
                       "--input-scale/--input-offset/--mean/--std are for model files")
    return _report(args, lambda bar: evaluate_session(
        args.model, args.data, args.limit, reference=args.reference, weights=args.weights,
        model_path=args.model_file, path=args.path, skip_bad=args.skip_bad, threads=args.threads,
        class_map=args.class_map, progress=bar, warn=bar.warn))
