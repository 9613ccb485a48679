"""qftune compare: SQNR per plan tensor between the float model and its int8 .tflite."""

from __future__ import annotations

from ...data import SPEC_HELP
from ..argtypes import int_range
from ..json_output import print_json


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
    from ...compare import format_fidelity
    from ...workflows.compare import compare
    from ...workflows.inputs import load_session
    from ..progressbar import TextProgress

    session = load_session(args.session, args.model)
    bar = TextProgress("compare")
    try:
        result = compare(session.model_path, session.plan.tensors, args.tflite, args.data, args.images, path=args.path,
                         skip_bad=args.skip_bad, progress=bar, warn=bar.warn)
    finally:
        bar.close()
    if args.json:
        print_json(result.to_dict())
    else:
        print(format_fidelity(result.rows, result.n_images))
    return 0
