"""Issue 21: a weight clip (the weight view's drag) reaches the warm live set in place, re-scored from the
clipped layer's block, with the figures a simulation built from scratch with that clip gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SESSION = ROOT / "resources" / "sessions" / "mobilenet_v2_qf_fmnist.qft"


def test_a_weight_clip_updates_the_live_set_in_place_as_a_fresh_build_scores_it():
    from core.models.convention import resolve_convention
    from core.plan.weight_entry import WeightPlan
    from core.session import Session
    from core.workflows.simulate import build_live_set

    s = Session.load(SESSION)
    plan = s.plan
    args = (str(s.model_path), list(plan.tensors))
    conv, calib = resolve_convention(session=s).to_dict(), dict(s.calibration)
    live = build_live_set(*args, plan.ranges(), WeightPlan.of(plan), conv, calib, 100)
    before, traces = live.figures, live.sim.trace_count
    layer = "block5_dw" if "block5_dw" in plan.weights else sorted(plan.weights)[len(plan.weights) // 2]
    kernel = live.sim._kernel_src[layer][1]
    plan.set_weight_range(f"{layer}/kernel", 0.05 * float(np.abs(kernel).max()))
    after = live.edit(plan.ranges(), weight_plan=WeightPlan.of(plan))
    assert live.sim.trace_count == traces                                   # in place: nothing traced again
    assert after.recomputed_from == live.sim.describe_segment(live.sim.segment_of_layer(layer))
    assert after.recomputed_from != before.recomputed_from and after.sqnr_db < before.sqnr_db
    fresh = build_live_set(*args, plan.ranges(), WeightPlan.of(plan), conv, calib, 100).figures
    assert (after.agreement, after.top1) == (fresh.agreement, fresh.top1)
    assert after.sqnr_db == pytest.approx(fresh.sqnr_db, abs=1e-3)
