"""qftune set-range: override one tensor's range (its tied group moves with it), or clip a kernel."""

from __future__ import annotations

from ..argtypes import int_range, number


def register(sub):
    from ...quant.granularity import GRANULARITIES

    p = sub.add_parser("set-range", help="override a tensor's int8 range or a kernel's clip in a session",
                       description="Set TENSOR's range to [MIN, MAX] (nudged so 0 is exact, as TFLite stores it); "
                       "tensors tied to it move too; locked tensors (softmax) refuse. For a kernel LAYER/kernel: "
                       "-M M clips its weights symmetrically at [-M, M] (one per-tensor clip; with --channel C only "
                       "channel C of a per-channel kernel); MIN MAX are made symmetric at the larger magnitude, with "
                       "a notice; --granularity sets the kernel's per-tensor/per-channel weights (it wins over "
                       "export's --weights). Saves the session in place.")
    p.add_argument("session", metavar="S.qft", help="session file (rewritten atomically)")
    p.add_argument("tensor", metavar="TENSOR", help="tensor name, or LAYER/kernel (see qftune ranges [--weights])")
    p.add_argument("min", metavar="MIN", type=number, nargs="?",
                   help="lower end of the range (extended to include 0, nudged to the int8 grid)")
    p.add_argument("max", metavar="MAX", type=number, nargs="?",
                   help="upper end of the range (extended to include 0, nudged to the int8 grid)")
    p.add_argument("-M", "--clip", dest="clip", type=number, default=None, metavar="M",
                   help="LAYER/kernel only: clip the weights symmetrically at [-M, M]")
    p.add_argument("--channel", type=int_range(0), default=None, metavar="C",
                   help="LAYER/kernel only: clip channel C of a per-channel kernel")
    p.add_argument("--granularity", choices=list(GRANULARITIES), default=None,
                   help="LAYER/kernel only: quantize this kernel's weights per tensor or per channel")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...plan import Plan
    from ...session import edit_session
    from .. import CliError

    if Plan.is_weight_name(args.tensor):
        return _run_kernel(args)
    if args.clip is not None or args.channel is not None or args.granularity is not None:
        raise CliError(f"{args.tensor}: -M/--channel/--granularity apply to a kernel LAYER/kernel, not to "
                       "an activation tensor")
    if args.min is None or args.max is None:
        raise CliError(f"{args.tensor}: give the range as MIN MAX")
    # lock, re-read, edit, save: concurrent set-range calls each keep their edit; a refusal
    # (PlanError, a ValueError) leaves the file untouched
    with edit_session(args.session) as session:
        change = session.plan.set_range(args.tensor, args.min, args.max)
    for note in change.notes:
        print(f"note: {note}")
    e = session.plan[args.tensor]
    est = e.estimate()
    print(f"{e.name}: [{e.min:.6g}, {e.max:.6g}] scale {e.scale:.6g} zero point {e.zero_point} "
          f"(SQNR {est.sqnr_db:.1f} dB, {100 * est.saturated_fraction:.3f}% saturated); saved {args.session}")
    return 0


def _run_kernel(args) -> int:
    from ...session import edit_session
    from ...workflows.weight_plan import attach_kernels, describe_weight, weight_row
    from .. import CliError

    clip = _clip_args(args)
    if clip is None and args.granularity is None:
        raise CliError(f"{args.tensor}: give a clip (-M M, or MIN MAX) or --granularity")
    if args.channel is not None and clip is None:
        raise CliError(f"{args.tensor}: --channel {args.channel} needs a clip (-M M)")
    notes = []
    with edit_session(args.session) as session:
        plan = session.plan
        plan.weight(args.tensor)                     # names a layer that has no kernel before loading anything
        attached = attach_kernels(session)           # the error readout, a chooser's or one channel's clip
        if args.granularity is not None:
            notes += plan.set_weight_granularity(args.tensor, args.granularity).notes
        if clip is not None:
            notes += plan.set_weight_range(args.tensor, *clip, channel=args.channel).notes
    for note in notes:
        print(f"note: {note}")
    if not attached:
        print(f"warning: the session's model {session.model_path} is not there: no error figures")
    print(f"{describe_weight(weight_row(session.plan, args.tensor))}; saved {args.session}")
    return 0


def _clip_args(args):
    from .. import CliError

    if args.clip is not None:
        if args.min is not None:
            raise CliError(f"{args.tensor}: give the clip either as -M M or as MIN MAX, not both")
        return (args.clip,)
    if args.min is None:
        return None
    if args.max is None:
        raise CliError(f"{args.tensor}: give MIN and MAX, or -M M for a symmetric clip")
    return args.min, args.max
