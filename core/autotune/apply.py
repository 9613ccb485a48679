"""Loading one plan of an autotune result (a point of its Pareto chart) into a session's plan.

A point of ``S_tuned.autotune.json`` (``points``/``pareto`` rows) carries its whole plan under
``"plan"``: every searched kernel's state and the ops away from int8. :func:`point_change` turns it
into ONE :class:`~core.plan.changes.Change` of the plan (undoable as a whole); an op the point does
not name float goes back to int8. No TensorFlow here.
"""

from __future__ import annotations

from ..plan.checks import PlanError
from ..plan.precision import PrecisionState, precision_name
from ..plan.weight_entry import WeightState, kernel_name


def point_states(row: dict) -> tuple[dict, dict]:
    """(layer -> WeightState, layer -> precision) of a point row; a row without its plan is named."""
    plan = row.get("plan") if isinstance(row, dict) else None
    if not isinstance(plan, dict) or not isinstance(plan.get("kernels"), dict):
        raise PlanError(f"autotune point {row.get('index') if isinstance(row, dict) else row!r} carries no plan "
                        "(a report written before points recorded theirs): run autotune again")
    states = {}
    for layer, k in plan["kernels"].items():
        clip = k.get("clip")
        states[layer] = WeightState(k.get("granularity"), k.get("method") or "minmax",
                                    tuple(float(v) for v in clip) if clip else None)
    return states, {layer: str(p) for layer, p in (plan.get("precision") or {}).items()}


def describe(row: dict) -> str:
    what = "; ".join(f"{c['layer']}: {c['label']}" for c in row.get("changes") or []) or "the plan it started from"
    return f"autotune point #{row.get('index')} (drop {row.get('drop_pp', float('nan')):.2f} pp): {what}"


def point_change(plan, row: dict, apply: bool = False):
    """The change moving ``plan`` (a :class:`core.plan.Plan`) to the point's plan: kernels the point names
    and every op's precision; refused (a PlanError naming it) when the point is of another model."""
    states, precisions = point_states(row)
    missing = [layer for layer in states if layer not in plan.weights]
    if missing:
        raise PlanError(f"autotune point #{row.get('index')}: kernel(s) {', '.join(missing[:3])} are not in this "
                        "session's plan (the result is of another model)")
    after = {kernel_name(layer): s for layer, s in states.items() if plan.weights[layer].state != s}
    for name in plan.precision_names:
        layer = name[: -len("/precision")]
        want = precisions.get(layer, "int8")
        if plan.precision(layer) != want:
            after[precision_name(layer)] = PrecisionState(want)
    return plan.make_change(describe(row), after, (), apply=apply)
