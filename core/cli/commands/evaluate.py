"""qftune evaluate: top-1/top-5, per-class accuracy and latency of a .tflite or Keras model."""

from __future__ import annotations

from ...data import SPEC_HELP
from ..argtypes import MAX_THREADS, int_range
from ..json_output import print_json


def register(sub):
    p = sub.add_parser("evaluate", help="accuracy and latency of a .tflite or Keras model on the host",
                       description="Top-1, top-5 and per-class accuracy, latency per single-image invoke (median and "
                       "p90, LiteRT with XNNPACK, warm-up excluded) and, with --reference, the agreement with a float model.")
    p.add_argument("model", help="MODEL.tflite (int8 or float) or a Keras model (.keras, .h5, SavedModel directory)")
    p.add_argument("--data", default="embedded:eval", help=SPEC_HELP + " (default embedded:eval; test split)")
    p.add_argument("--path", default=None, help="folder of the Fashion-MNIST IDX files (default: Debian's)")
    p.add_argument("--limit", type=int_range(1), default=None, help="evaluate on the first N images only (N >= 1)")
    p.add_argument("--threads", type=int_range(1, MAX_THREADS), default=1,
                   help=f"interpreter threads (default 1; 1 to {MAX_THREADS})")
    p.add_argument("--reference", default=None, help="float model to measure top-1 agreement with")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--skip-bad", action="store_true", help="skip unreadable image files (each reported) instead of stopping")
    from ...model_input import add_convention_flags

    add_convention_flags(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ...evaluate import format_result
    from ...model_input import convention_from_args
    from ...workflows.evaluate import evaluate
    from ..progressbar import TextProgress

    bar = TextProgress("evaluate")
    try:
        r = evaluate(args.model, args.data, args.limit, args.threads, reference=args.reference,
                     convention=convention_from_args(args), path=args.path, skip_bad=args.skip_bad,
                     progress=bar, warn=bar.warn)
    finally:
        bar.close()
    if args.json:
        print_json(r.to_dict())
    else:
        print(format_result(r))
    return 0
