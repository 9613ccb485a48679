"""qftune reset-range: give a tensor back an automatic range."""

from __future__ import annotations


def register(sub):
    from ...choosers import CHOOSERS

    p = sub.add_parser("reset-range", help="reset a tensor's range to a chooser's (drops a user override)",
                       description="Give TENSOR (and its tied group) the range chosen by --method "
                       "(default: the session's method; minmax [0, 1] for the model input). Saves in place.")
    p.add_argument("session", metavar="S.qft", help="session file (rewritten atomically)")
    p.add_argument("tensor", metavar="TENSOR", help="tensor name (see qftune ranges)")
    p.add_argument("--method", choices=list(CHOOSERS), default=None, help="range chooser (default: the session's)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...session import edit_session

    with edit_session(args.session) as session:     # lock, re-read, edit, save (a refusal writes nothing)
        change = session.plan.reset(args.tensor, args.method)
    e = session.plan[args.tensor]
    what = "unchanged" if change.empty else f"{len(change.names)} tensor(s) changed"
    print(f"{e.name}: [{e.min:.6g}, {e.max:.6g}] method {e.method} ({what}); saved {args.session}")
    return 0
