"""qftune encodings: AIMET encodings JSON export/import for activation ranges."""

from __future__ import annotations


def register(sub):
    p = sub.add_parser("encodings", help="export/import activation ranges as AIMET encodings JSON",
                       description="Exchange activation ranges with Qualcomm's AIMET toolchain "
                       "(encodings JSON, version 0.6.1 layout).")
    p.add_argument("session", metavar="S.qft", help="session file")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--export", metavar="FILE.json", help="write the session's ranges")
    g.add_argument("--import", dest="import_", metavar="FILE.json",
                   help="set ranges from FILE.json (as user overrides) and save the session in place")
    p.add_argument("--skip-unknown", action="store_true",
                   help="on import, skip (and list) tensors the model does not have instead of refusing")
    p.add_argument("--force", action="store_true",
                   help="on export, replace FILE.json even if it is another kind of file (a model, a session)")
    p.set_defaults(func=run)


def run(args) -> int:
    import sys

    from ...aimet import export_encodings, import_encodings
    from ...outputs import ENCODINGS, Output, check_outputs
    from ...session import Session, edit_session

    if args.export:
        target = Output("--export", args.export, ENCODINGS)
        check_outputs([("the session", args.session)], [target], force=args.force)
        session = Session.load(args.session)
        export_encodings(session.plan, target, force=args.force)
        print(f"wrote {args.export}: {len(session.plan)} activation encodings")
        return 0
    # lock, re-read, import, save; an EncodingsError (a ValueError) leaves the session untouched
    with edit_session(args.session) as session:
        result = import_encodings(session.plan, args.import_, skip_unknown=args.skip_unknown)
    for key, reason in result.skipped:
        print(f"skipped {key}: {reason}", file=sys.stderr)
    print(f"imported {len(result.imported)} ranges from {args.import_}; saved {args.session}")
    return 0
