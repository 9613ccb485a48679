"""qftune compare: SQNR per plan tensor between the float model and its int8 .tflite."""

from __future__ import annotations

import json
import sys

from ...data import SPEC_HELP
from ..argtypes import int_range


def register(sub):
    p = sub.add_parser("compare", help="per-tensor SQNR (dB) of an int8 .tflite against its float model",
                       description="Run the float Keras model and the int8 .tflite (all tensors preserved) on K images "
                       "and report the SQNR of every plan tensor, matched by the plan (export report or graph "
                       "structure), worst first.")
    p.add_argument("session", help="session file S.qft")
    p.add_argument("tflite", help="the int8 model exported from this session")
    p.add_argument("-k", "--images", type=int_range(1, 100_000), default=32,
                   help="number of images (default 32; 1 to 100,000)")
    p.add_argument("--data", default="embedded:eval", help=SPEC_HELP + " (default embedded:eval)")
    p.add_argument("--model", default=None, help="the calibrated Keras model, if it moved since calibration")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument("--path", default=None, help="folder of the dataset files when the spec needs one")
    p.add_argument("--skip-bad", action="store_true", help="skip unreadable image files (each reported) instead of stopping")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...compare import compare, format_fidelity
    from ...data import load_dataset
    from ..progressbar import TextProgress
    from ...models.loading import load_model
    from .export import load_session

    if args.images < 1:
        raise ValueError(f"-k must be at least 1, got {args.images}")
    from ...export.integrity import check_export, find_report

    session = load_session(args.session, args.model)
    check_export(args.tflite, session.model_path)        # before loading TensorFlow: a mismatch is named at once
    if find_report(args.tflite) is None:
        print(f"warning: no export report beside {args.tflite}; cannot check it was exported from "
              f"{session.model_path}", file=sys.stderr)
    model = load_model(session.model_path)
    bar = TextProgress("compare")
    ds = load_dataset(args.data, default_split="test", path=args.path, skip_bad=args.skip_bad,
                      warn=bar.warn).limit(args.images)
    try:
        rows = compare(model, session.plan.tensors, args.tflite, ds, progress=bar, warn=bar.warn,
                       source_model=session.model_path)
    finally:
        bar.close()
    if args.json:
        print(json.dumps({"n_images": len(ds) - len(ds.skipped), "skipped_images": len(ds.skipped), "tensors": [r.to_dict() for r in rows]}, indent=2))
    else:
        print(format_fidelity(rows, len(ds) - len(ds.skipped)))
    return 0
