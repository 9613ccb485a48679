"""What a job needs from the open session, copied on the UI thread before the job starts.

Jobs run in a worker while the user keeps editing; they work on this snapshot of the
plan (including unsaved overrides), never on the live plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PlanSnapshot:
    tensors: list
    ranges: dict              # tensor name -> QuantParams
    model_path: str
    session_name: str
    weight_plan: object = None   # core.plan.weight_entry.WeightPlan: the kernel entries (LAYER/kernel)


def snapshot(app, model_override: str | None = None) -> PlanSnapshot:
    state = app.state
    if state.session is None:
        raise ValueError("no session is open: open or calibrate a model first")
    model = model_override or state.session.model_path
    if not model:
        raise ValueError("this session records no model file; give the Keras model's path (Model)")
    if not Path(model).exists():
        raise FileNotFoundError(f"the calibrated model {model} no longer exists; give its new path (Model)")
    from core.plan.weight_entry import WeightPlan

    plan = state.plan
    return PlanSnapshot(list(plan.tensors), plan.ranges(), str(model),
                        Path(state.path).name if state.path else "untitled", WeightPlan.of(plan))
