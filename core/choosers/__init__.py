"""Range choosers: statistics in, nudged range and its cost out. One class per method."""

from __future__ import annotations

from .base import DEGENERATE_RANGE, Choice, Chooser, Landscape, cost_of, safe_nudge
from .entropy import EntropyChooser
from .greedy import GreedyChooser
from .minmax import MinMaxChooser
from .mse import MseChooser
from .percentile import PercentileChooser

CHOOSERS = {c.name: c for c in (GreedyChooser, MinMaxChooser, PercentileChooser, EntropyChooser, MseChooser)}

METHODS = {name: cls.description for name, cls in CHOOSERS.items()}
"""Range method name -> its one-line description, in menu order (the CLI's ``--method`` choices,
the GUI's method lists and their tooltips)."""


def check_method(method: str) -> str:
    """``method`` if it names a range chooser; a ValueError listing the methods otherwise."""
    if method not in CHOOSERS:
        raise ValueError(f"unknown range method {method!r}; choose one of {', '.join(CHOOSERS)}")
    return method


def make_chooser(method: str, gamma: float = 1.0, input_range: bool | tuple = False, **options) -> Chooser:
    """The chooser for ``method``; ``input_range`` ((lo, hi), or True for [0, 1]) makes ``minmax``
    cover the model input's declared range."""
    cls = CHOOSERS[check_method(method)]
    if cls is MinMaxChooser:
        return cls(gamma, input_range=input_range)
    return cls(gamma, **options)


__all__ = ["CHOOSERS", "METHODS", "check_method", "make_chooser", "Chooser", "Choice", "Landscape", "safe_nudge", "cost_of",
           "DEGENERATE_RANGE", "GreedyChooser", "MinMaxChooser", "PercentileChooser", "EntropyChooser", "MseChooser"]
