"""The ``qftune`` command line: one module per sub-command in ``core/cli/commands``.

Each command module defines ``register(subparsers)`` which adds its parser and sets
``func(args) -> int``. Qt is never imported here; ``qftune gui`` imports ``gui``
only when run.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qftune",
        description="Make an 8-bit MobileNet as accurate as its float original: calibrate, tune ranges, "
        "export int8 .tflite, measure on host and phone. Without a sub-command, opens the GUI.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    for name, command in sub.choices.items():   # every command: --verbose shows TensorFlow's log lines
        if not any("--verbose" in a.option_strings for a in command._actions):
            command.add_argument("--verbose", action="store_true",
                                 help="also show TensorFlow's own log lines (hidden by default)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from .commands.gui import run_gui

        return run_gui(None)
    if argv is None and not getattr(args, "verbose", False) and args.command != "gui":
        # the real command line only: a caller of main([...]) keeps its own stderr
        from .quiet import quiet_tensorflow

        quiet_tensorflow()
    try:
        return int(args.func(args) or 0)
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


if __name__ == "__main__":
    sys.exit(main())
