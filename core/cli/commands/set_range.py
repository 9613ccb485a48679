"""qftune set-range: override one tensor's range (its tied group moves with it)."""

from __future__ import annotations

from ..argtypes import number


def register(sub):
    p = sub.add_parser("set-range", help="override a tensor's int8 range in a session",
                       description="Set TENSOR's range to [MIN, MAX] (nudged so 0 is exact, as TFLite stores it); "
                       "tensors tied to it move too; locked tensors (softmax) refuse. Saves the session in place.")
    p.add_argument("session", metavar="S.qft", help="session file (rewritten atomically)")
    p.add_argument("tensor", metavar="TENSOR", help="tensor name (see qftune ranges)")
    p.add_argument("min", metavar="MIN", type=number,
                   help="lower end of the range (extended to include 0, nudged to the int8 grid)")
    p.add_argument("max", metavar="MAX", type=number,
                   help="upper end of the range (extended to include 0, nudged to the int8 grid)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...session import edit_session

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
