"""Every command's ``--json`` output goes through :func:`print_json`: always valid JSON.

Python's ``json`` writes ``NaN`` and ``Infinity`` by default, which no strict JSON reader
accepts; a value that was not measured or is not finite is written as ``null`` instead, and
``allow_nan=False`` guards that nothing else slips through.
"""

from __future__ import annotations

import json
import math


def finite(doc):
    """``doc`` with every non-finite float (NaN, ±Inf, numpy's too) replaced by None."""
    if isinstance(doc, dict):
        return {k: finite(v) for k, v in doc.items()}
    if isinstance(doc, (list, tuple)):
        return [finite(v) for v in doc]
    if isinstance(doc, float) and not math.isfinite(doc):
        return None
    if type(doc).__module__ == "numpy" and hasattr(doc, "item"):      # numpy scalars and small arrays
        return finite(doc.tolist() if hasattr(doc, "ndim") and doc.ndim else doc.item())
    return doc


def dumps(doc, indent: int | None = 2) -> str:
    return json.dumps(finite(doc), indent=indent, allow_nan=False, default=str)


def print_json(doc, indent: int | None = 2) -> None:
    print(dumps(doc, indent))


__all__ = ["finite", "dumps", "print_json"]
