"""qftune reset-range: give a tensor back an automatic range, or a kernel its default / a chooser's clip."""

from __future__ import annotations

ALL_KERNELS = "*/kernel"


def register(sub):
    from ...choosers import CHOOSERS
    from ...plan.weight_choosers import WEIGHT_METHODS
    from ...quant.granularity import GRANULARITIES

    methods = list(dict.fromkeys([*CHOOSERS, *WEIGHT_METHODS]))
    p = sub.add_parser("reset-range", help="reset a tensor's range (or a kernel's clip) to a chooser's",
                       description="Give TENSOR (and its tied group) the range chosen by --method "
                       "(default: the session's method; minmax [0, 1] for the model input). For LAYER/kernel "
                       f"(or {ALL_KERNELS}: every kernel): without --method, back to max|w| at export's --weights; "
                       "with --method, that weight chooser's clip at --granularity (output-mse: channels whose "
                       "output never varies cost nothing to clip). Saves in place.")
    p.add_argument("session", metavar="S.qft", help="session file (rewritten atomically)")
    p.add_argument("tensor", metavar="TENSOR", help=f"tensor name, LAYER/kernel or {ALL_KERNELS} (see qftune ranges)")
    p.add_argument("--method", choices=methods, default=None,
                   help="range chooser (default: the session's); for kernels: " + ", ".join(WEIGHT_METHODS))
    p.add_argument("--granularity", choices=list(GRANULARITIES), default=None,
                   help="kernels only: the granularity the chooser's clip is for (default: the entry's, else "
                   "per-channel)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...plan import Plan
    from ...session import edit_session
    from .. import CliError

    if args.tensor == ALL_KERNELS or Plan.is_weight_name(args.tensor):
        return _run_kernels(args)
    if args.granularity is not None:
        raise CliError(f"{args.tensor}: --granularity applies to a kernel LAYER/kernel, not to an activation tensor")
    with edit_session(args.session) as session:     # lock, re-read, edit, save (a refusal writes nothing)
        change = session.plan.reset(args.tensor, args.method)
    e = session.plan[args.tensor]
    what = "unchanged" if change.empty else f"{len(change.names)} tensor(s) changed"
    print(f"{e.name}: [{e.min:.6g}, {e.max:.6g}] method {e.method} ({what}); saved {args.session}")
    return 0


def _run_kernels(args) -> int:
    from ...plan.weight_choosers import check_weight_method
    from ...plan.weight_entry import WeightState
    from ...session import edit_session
    from ...workflows.weight_plan import attach_kernels, describe_weight, weight_row

    if args.method is not None:
        check_weight_method(args.method)
    with edit_session(args.session) as session:
        plan = session.plan
        names = plan.weight_names if args.tensor == ALL_KERNELS else [plan.weight(args.tensor).name]
        attached = attach_kernels(session)
        if args.tensor == ALL_KERNELS:
            change = plan.choose_weights(args.method or "minmax", args.granularity) if args.method or \
                args.granularity else plan.make_change("reset every kernel", {n: WeightState() for n in names})
        else:
            change = plan.reset_weight(args.tensor, args.method, args.granularity)
    shown = names if len(names) == 1 else change.names
    for n in shown:
        print(describe_weight(weight_row(session.plan, n)) if attached else n)
    what = "unchanged" if change.empty else f"{len(change.names)} kernel(s) changed"
    print(f"{what}; saved {args.session}")
    return 0
