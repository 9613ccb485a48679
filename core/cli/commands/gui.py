"""qftune gui: open the desktop application (also what plain ``qftune`` does)."""

from __future__ import annotations


def register(sub):
    p = sub.add_parser("gui", help="open the desktop application",
                       description="Open the qftune window on the embedded default, a model, or a session.")
    p.add_argument("target", nargs="?", default=None, help="a MODEL (.keras/.h5/SavedModel) or SESSION.qft")
    p.set_defaults(func=lambda args: run_gui(args.target))


def run_gui(target) -> int:
    import importlib
    import sys

    problem = importlib.import_module("gui.display").display_problem()   # before Qt could abort the process
    if problem:
        print(f"qftune gui: error: {problem}", file=sys.stderr)
        return 2
    app = importlib.import_module("gui.app")  # Qt only from here on
    return app.main(target)


def run_window(module: str, command: str, *args) -> int:
    """Another window of the gui package (``qftune present``'s presenter) through the same door:
    the display checked first, then ``gui.<module>.main(*args)``."""
    import importlib
    import sys

    problem = importlib.import_module("gui.display").display_problem()
    if problem:
        print(f"qftune {command}: error: {problem}", file=sys.stderr)
        return 2
    return importlib.import_module(f"gui.{module}").main(*args)
