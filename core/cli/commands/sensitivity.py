"""qftune sensitivity: the top-1 drop when only one tensor is quantized."""

from __future__ import annotations

from ...data import SPEC_HELP
from ...data.classes import CLASS_MAP_HELP
from ..argtypes import int_range
from ..json_output import print_json


def register(sub):
    from ...quant.granularity import GRANULARITIES

    p = sub.add_parser("sensitivity", help="top-1 drop when quantizing one tensor at a time (others float)",
                       description="Per-tensor sensitivity as AIMET's QuantAnalyzer: each plan tensor alone is "
                       "fake-quantized with its plan range (TF FakeQuant on the BN-folded model, one trace) and the "
                       "top-1 drop against float is reported, largest first.")
    p.add_argument("session", help="session file S.qft")
    p.add_argument("--data", default="embedded:eval", help=SPEC_HELP + " (default embedded:eval)")
    p.add_argument("--limit", type=int_range(1), default=None, help="use the first N images only (N >= 1)")
    p.add_argument("--weights", choices=["none", *GRANULARITIES], default="none",
                   help="also quantize the tensor's own kernel (default none: activations only)")
    p.add_argument("--model", default=None, help="the calibrated Keras model, if it moved since calibration")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--path", default=None, help="folder of the dataset files when the spec needs one")
    p.add_argument("--skip-bad", action="store_true", help="skip unreadable image files (each reported) instead of stopping")
    p.add_argument("--class-map", metavar="FILE", default=None, help=CLASS_MAP_HELP)
    p.set_defaults(func=run)


def run(args) -> int:
    from ...models.convention import resolve_convention
    from ...sensitivity import format_sensitivity
    from ...workflows.inputs import load_session
    from ...workflows.sensitivity import sensitivity
    from ..progressbar import TextProgress

    session = load_session(args.session, args.model)
    plan = session.plan
    bar = TextProgress("sensitivity")
    try:
        result = sensitivity(session.model_path, plan.tensors, plan.ranges(), args.data, args.limit,
                             weights=args.weights, convention=resolve_convention(session=session), path=args.path,
                             skip_bad=args.skip_bad, class_map=args.class_map, progress=bar, warn=bar.warn)
    finally:
        bar.close()
    if args.json:
        print_json(result.to_dict())
    else:
        print(format_sensitivity(result.base_top1, result.rows, result.n_images, result.seconds))
    return 0
