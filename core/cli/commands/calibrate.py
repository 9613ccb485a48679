"""qftune calibrate: collect activation statistics and choose every int8 range."""

from __future__ import annotations

from ...data import SPEC_HELP
from ...model_input import add_convention_flags
from ..argtypes import MAX_BATCH, MAX_BINS, float_range, int_range


def register(sub):
    from ...choosers import METHODS

    p = sub.add_parser("calibrate", help="collect activation statistics and choose int8 ranges -> session .qft",
                       description="Run the float model over calibration images (default: 1,000 images of the "
                       "training split, balanced over the classes; all 100 of the embedded set), collect every "
                       "int8 tensor's histogram in one pass, choose each "
                       "range (default: the greedy step/offset search) and save a session file.")
    p.add_argument("model", metavar="MODEL", help="Keras model file (.keras)")
    p.add_argument("--data", default="embedded", help=SPEC_HELP + " (default embedded; training split)")
    p.add_argument("--path", default=None, help="folder of the dataset files when the spec needs one")
    p.add_argument("--per-class", type=int_range(1), default=None, metavar="N",
                   help="images per class (default: 1,000 images in all, balanced over the classes; "
                   "see docs/greedy.md)")
    p.add_argument("--all", action="store_true", help="use every image of the split instead of --per-class")
    p.add_argument("--limit", type=int_range(1), default=None, metavar="N", help="at most N images")
    p.add_argument("--method", choices=list(METHODS), default="greedy", help="range chooser (default greedy)")
    p.add_argument("--gamma", type=float_range(0, lo_open=True), default=1.0,
                   help="greedy: weight of saturation vs rounding loss (default 1; a finite number > 0)")
    p.add_argument("--bins", type=int_range(8, MAX_BINS), default=2048,
                   help=f"histogram bins (default 2048; 8 to {MAX_BINS:,}: memory and search time grow with bins)")
    p.add_argument("--batch-size", type=int_range(1, MAX_BATCH), default=32,
                   help=f"images per forward pass (default 32; 1 to {MAX_BATCH:,})")
    p.add_argument("--out", required=True, metavar="S.qft", help="session file to write (never the model itself)")
    p.add_argument("--force", action="store_true",
                   help="replace --out even if it is another kind of file (a model), or a session changed meanwhile")
    p.add_argument("--discard-overrides", action="store_true",
                   help="when --out is a session with manual overrides (user ranges, kernel clips, float ops): drop "
                   "them (each named); by default those that still apply are kept on the new ranges, each named")
    p.add_argument("--skip-bad", action="store_true", help="skip unreadable image files (each reported) instead of stopping")
    add_convention_flags(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ...calibrate import AUTO
    from ...model_input import convention_from_args
    from ...models.convention import InputConvention
    from ...outputs import SESSION, Output, check_outputs
    from ...workflows.calibrate import calibrate
    from ..progressbar import TextProgress

    check_outputs([("the model", args.model)], [Output("--out", args.out, SESSION)], force=args.force)
    user = convention_from_args(args)
    bar = TextProgress("calibrate")
    notes: list[str] = []
    try:
        per_class = None if args.all else (AUTO if args.per_class is None else args.per_class)
        session = calibrate(args.model, data=args.data, per_class=per_class, limit=args.limit, method=args.method,
                            gamma=args.gamma, bins=args.bins, batch_size=args.batch_size, data_path=args.path,
                            convention=user, skip_bad=args.skip_bad, out=args.out, force=args.force,
                            progress=bar, warn=bar.warn,
                            overrides="discard" if args.discard_overrides else "keep", say=notes.append)
    finally:
        bar.close()
    meta = session.calibration
    skipped = f" ({meta['skipped_images']} unreadable skipped)" if meta.get("skipped_images") else ""
    print(f"saved {args.out}: {len(session.plan)} tensors, {meta['n_images']} images{skipped} from {meta['data']}, "
          f"method {meta['method']} (gamma {meta['gamma']:g}), statistics {meta['collect_s']:.2f} s, "
          f"ranges {meta['choose_s'] * 1000:.0f} ms")
    print(f"input convention: {InputConvention.from_dict(meta['input_convention']).describe()}")
    for line in notes:
        print(line)
    return 0
