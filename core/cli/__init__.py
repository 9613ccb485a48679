"""The ``qftune`` command line: one module per sub-command in ``core/cli/commands``.

Each command module defines ``register(subparsers)`` which adds its parser and sets
``func(args) -> int``. Qt is never imported here; ``qftune gui`` imports ``gui``
only when run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from . import commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qftune",
        description="Make an 8-bit MobileNet as accurate as its float original: calibrate, tune ranges, "
        "export int8 .tflite, measure on host and phone. Without a sub-command, opens the GUI.",
    )
    parser.add_argument("--verbose", action="store_true",
                        help="with no command (the GUI): also show TensorFlow's own log lines")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    for command in sub.choices.values():   # every command: --verbose shows TensorFlow's log lines
        if not any("--verbose" in a.option_strings for a in command._actions):
            command.add_argument("--verbose", action="store_true",
                                 help="also show TensorFlow's own log lines (hidden by default)")
    for p in sub.choices.values():
        allow_negative_numbers(p)     # "set-range S t -1e30 1e30" without "--"
    return parser


OPENABLE = (".qft", ".keras", ".h5")


def implied_gui(argv: list[str], commands) -> list[str]:
    """``qftune S.qft`` (or a model) means ``qftune gui S.qft``, as ``napari FILE`` opens a viewer: a first
    argument that is no command but names a session or model (by its suffix, or an existing folder such as a
    SavedModel) gets ``gui`` in front. Anything else is left for argparse to refuse by name."""
    from pathlib import Path

    first = next((i for i, a in enumerate(argv) if not a.startswith("-")), None)
    if first is None or argv[first] in commands:
        return argv
    target = Path(argv[first])
    if target.suffix.lower() in OPENABLE or target.is_dir():
        return [*argv[:first], "gui", *argv[first:]]
    return argv


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    args = parser.parse_args(implied_gui(sys.argv[1:] if argv is None else list(argv), sub.choices))
    if sys.stdout is None:           # started with stdout closed (``qftune ranges S >&-``)
        if sys.stderr is not None:
            print(f"qftune {args.command or 'gui'}: error: standard output is closed; give it a file or a pipe "
                  "(e.g. > out.txt or | less)", file=sys.stderr)
        return 2
    if argv is None and not getattr(args, "verbose", False):
        # the real command line only: a caller of main([...]) keeps its own stderr; the GUI too
        # (its engine helper inherits the filtered descriptor 2 and quiets its Python side)
        from .quiet import quiet_tensorflow

        quiet_tensorflow()
    if args.command is None:
        from .commands.gui import run_gui

        return run_gui(None)
    try:
        rc = int(args.func(args) or 0)
        sys.stdout.flush()          # a closed pipe shows here, not in the interpreter's exit
        return rc
    except BrokenPipeError:
        return _broken_pipe()
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except CliError as exc:
        print(f"qftune {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError, OSError) as exc:
        print(f"qftune {args.command}: error: {exc}", file=sys.stderr)
        return 2


class CliError(Exception):
    """An error already phrased for the user."""


def _broken_pipe() -> int:
    """The reader went away (``qftune ranges S | head``): stop quietly, as Unix tools do."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())      # so the interpreter's final flush cannot fail again
    except (OSError, ValueError):
        pass
    return 141                                       # 128 + SIGPIPE, what a shell reports for a killed writer


from .argtypes import allow_negative_numbers  # noqa: E402  (after CliError: commands import it from here)

if __name__ == "__main__":
    sys.exit(main())
