"""argparse ``type=`` validators: every numeric option is checked at parse time.

Each helper returns a callable for ``add_argument(type=...)`` whose error names the
allowed range; argparse prefixes it with the option (``argument --batch-size: ...``)
and exits with status 2 before any work starts.
"""

from __future__ import annotations

import argparse
import math
import re

# numbers as positional values: argparse treats "-1e30" as an option unless told otherwise
NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$", re.IGNORECASE)


def allow_negative_numbers(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Let ``parser`` take ``-1e30`` or ``-0.5`` as a value (its own options never look like numbers)."""
    parser._negative_number_matcher = NEGATIVE_NUMBER   # the documented-by-source hook argparse uses
    parser._has_negative_number_optionals = []
    return parser


def _bounds(lo, hi, what: str) -> str:
    if lo is not None and hi is not None:
        return f"{what} from {lo:,} to {hi:,}" if isinstance(lo, int) else f"{what} from {lo:g} to {hi:g}"
    if lo is not None:
        return f"{what} >= {lo:,}" if isinstance(lo, int) else f"{what} >= {lo:g}"
    return f"{what} <= {hi:,}" if isinstance(hi, int) else f"{what} <= {hi:g}"


def int_range(lo: int | None = None, hi: int | None = None):
    """An integer in [lo, hi] (either end optional)."""
    allowed = _bounds(lo, hi, "an integer")

    def parse(text: str) -> int:
        try:
            v = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {text!r}") from None
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {v}")
        return v

    parse.__name__ = "integer"
    return parse


def float_range(lo: float | None = None, hi: float | None = None, lo_open: bool = False):
    """A finite number in [lo, hi] ((lo, hi] with ``lo_open``); NaN and Inf are refused."""
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '>='} {lo:g}")
    if hi is not None:
        parts.append(f"<= {hi:g}")
    allowed = "a finite number" + (" " + " and ".join(parts) if parts else "")

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {text!r}") from None
        bad = not math.isfinite(v) or (hi is not None and v > hi)
        if lo is not None:
            bad = bad or (v <= lo if lo_open else v < lo)
        if bad:
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {text}")
        return v

    parse.__name__ = "number"
    return parse


def number(text: str) -> float:
    """Any float (range bounds are validated by the plan, which says why)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def hex_mask(text: str) -> str:
    """A CPU affinity mask for taskset: hexadecimal, nonzero."""
    t = text.lower().removeprefix("0x")
    if not re.fullmatch(r"[0-9a-f]{1,16}", t) or int(t, 16) == 0:
        raise argparse.ArgumentTypeError(f"must be a nonzero hexadecimal CPU mask such as f0, got {text!r}")
    return t


# shared limits, quoted in --help texts
MAX_BINS = 65_536          # 66 tensors x 65,536 bins x 8 B = 35 MB of counts; the chooser's work grows with it
MAX_BATCH = 4_096
MAX_THREADS = 256


def checked_number(name: str, integer, check):
    """An argparse type: ``text`` as an int (``integer``, a bool or a callable returning one, read at parse time so
    that registering the option imports nothing heavy) or a float, then ``check(value)`` (returns the value or
    raises :class:`core.training.config.ConfigError`, whose message after the option name is argparse's error).
    One parser for the training options of ``train`` and ``finetune``, checked at parse time."""
    def parse(text: str):
        from ..training.config import ConfigError

        is_int = integer() if callable(integer) else integer

        try:
            value = int(text) if is_int else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'an integer' if is_int else 'a number'}, got {text!r}") from None
        try:
            return check(value)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc).split(" ", 1)[1]) from None   # argparse names the option itself
    parse.__name__ = name
    return parse
