"""Model cards: the JSON file beside a model (``M.keras`` -> ``M.json``) describing how it was made
and what it measured (written by ``scripts/bundle_model.py`` and the trainers)."""

from __future__ import annotations

import json
from pathlib import Path

# flat keys of older cards, most specific first
_FLOAT_KEYS = ("float_top1", "float_top1_test10k", "top1")
_INT8_KEYS = ("int8_top1", "int8_top1_test10k", "int8_top1_eval")


def card_path(model_path) -> Path:
    return Path(model_path).with_suffix(".json")


def read_card(model_path) -> dict:
    """The card of ``model_path`` as a dict; {} when it has none or it cannot be read as a JSON object."""
    try:
        doc = json.loads(card_path(model_path).read_text())
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _nested(doc: dict, *keys):
    for k in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(k)
    return _number(doc)


def recorded_top1(card: dict, method: str = "greedy", weights: str = "per_tensor") -> tuple[float | None, float | None]:
    """(float top-1, int8 top-1) recorded in ``card`` (fractions, None where absent).

    int8: ``card["int8"][method][weights]["top1"]`` (e.g. ``int8.greedy.per_tensor.top1``), else the
    flat keys of older cards (``int8_top1``, ``int8_top1_test10k``, ``int8_top1_eval``); float:
    ``card["float"]["top1"]``, else ``float_top1``, ``float_top1_test10k``, ``top1``.
    """
    flt = _nested(card, "float", "top1")
    if flt is None:
        flt = next((v for v in (_number(card.get(k)) for k in _FLOAT_KEYS) if v is not None), None)
    int8 = _nested(card, "int8", method, weights, "top1")
    if int8 is None:
        int8 = next((v for v in (_number(card.get(k)) for k in _INT8_KEYS) if v is not None), None)
    return flt, int8


__all__ = ["card_path", "read_card", "recorded_top1"]
