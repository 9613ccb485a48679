"""The plan as JSON (inside a session's ``session.json``): every saved range is kept bit-exactly."""

from __future__ import annotations

from typing import TypeVar

from ..data.preprocess import INPUT_RANGE
from ..quant.tensors import QTensor
from .checks import PlanError, checked_params
from .entry import ALL_METHODS, INPUT_DEFAULT_METHOD
from .precision import precisions_from_rows
from .weight_entry import checked_weight_state

P = TypeVar("P")     # core.plan.plan.Plan, which imports this module


def plan_to_dict(plan) -> dict:
    """JSON-able :class:`~core.plan.plan.Plan` (floats round-trip exactly through json)."""
    out = {
        "method": plan.method, "gamma": plan.gamma, "input_method": plan.input_method,
        "input_range": list(plan.input_range),
        "tensors": [t.to_dict() for t in plan.tensors],
        "entries": [{"name": e.name, "min": e.min, "max": e.max, "scale": e.scale, "zero_point": e.zero_point,
                     "method": e.method, "requested": list(e.requested) if e.requested else None}
                    for e in plan],
        # kernels away from their default (max|w| at the export's --weights); none in older sessions
        "weights": [{"name": e.name, "granularity": e.granularity, "method": e.method,
                     "clip": list(e.clip) if e.clip is not None else None}
                    for e in plan.weights.values() if not e.state.is_default],
    }
    if plan.precisions:   # ops away from int8 (core/plan/precision.py); none: all int8, as older sessions
        out["precision"] = dict(plan.precisions)
    return out


def plan_from_dict(cls: type[P], d: dict, stats: dict) -> P:
    """Rebuild a plan of class ``cls`` saved by :func:`plan_to_dict`, with its statistics."""
    tensors = [QTensor.from_dict(t) for t in d["tensors"]]
    plan = cls(tensors, stats, d["method"], d["gamma"], d.get("input_method", INPUT_DEFAULT_METHOD),
               tuple(d.get("input_range", INPUT_RANGE)))
    for row in d["entries"]:
        e = plan[row["name"]]
        if row["method"] not in ALL_METHODS:
            raise PlanError(f"tensor {row['name']}: unknown method {row['method']!r}")
        e.params = checked_params(row, e.tensor.op, row["method"])
        e.method = row["method"]
        e.requested = tuple(row["requested"]) if row.get("requested") else None
    for row in d.get("weights") or []:
        e = plan.weight(row["name"])
        e.state = checked_weight_state(e, row)
    plan.precisions.update(precisions_from_rows(plan, d.get("precision")))
    return plan
