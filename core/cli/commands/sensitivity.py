"""qftune sensitivity: the top-1 drop when only one tensor is quantized."""

from __future__ import annotations

import json

from ...data import SPEC_HELP
from ..argtypes import int_range


def register(sub):
    p = sub.add_parser("sensitivity", help="top-1 drop when quantizing one tensor at a time (others float)",
                       description="Per-tensor sensitivity as AIMET's QuantAnalyzer: each plan tensor alone is "
                       "fake-quantized with its plan range (TF FakeQuant on the BN-folded model, one trace) and the "
                       "top-1 drop against float is reported, largest first.")
    p.add_argument("session", help="session file S.qft")
    p.add_argument("--data", default="embedded:eval", help=SPEC_HELP + " (default embedded:eval)")
    p.add_argument("--limit", type=int_range(1), default=None, help="use the first N images only (N >= 1)")
    p.add_argument("--weights", choices=["none", "per-channel", "per-tensor"], default="none",
                   help="also quantize the tensor's own kernel (default none: activations only)")
    p.add_argument("--model", default=None, help="the calibrated Keras model, if it moved since calibration")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--path", default=None, help="folder of the dataset files when the spec needs one")
    p.add_argument("--skip-bad", action="store_true", help="skip unreadable image files (each reported) instead of stopping")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...data import load_dataset
    from ...sensitivity import format_sensitivity, sensitivity
    from ..progressbar import TextProgress
    from .export import load_session_and_model

    session, model = load_session_and_model(args.session, args.model)
    from ...model_input import session_convention

    bar = TextProgress("sensitivity")
    ds = load_dataset(args.data, default_split="test", path=args.path, skip_bad=args.skip_bad,
                      warn=bar.warn).limit(args.limit)
    plan = session.plan
    try:
        base, rows, secs = sensitivity(model, plan.tensors, plan.ranges(), ds,
                                       weights=None if args.weights == "none" else args.weights, progress=bar,
                                       convention=session_convention(session, model, bar.warn))
    finally:
        bar.close()
    if args.json:
        print(json.dumps({"float_top1": base, "n_images": len(ds) - len(ds.skipped), "skipped_images": len(ds.skipped), "seconds": secs,
                          "tensors": [r.to_dict() for r in rows]}, indent=2))
    else:
        print(format_sensitivity(base, rows, len(ds) - len(ds.skipped), secs))
    return 0
