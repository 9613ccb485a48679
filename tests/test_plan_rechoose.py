"""Plan.rechoose / Session.rechoose: the min/max twin of a greedy plan that the ablation, the demo and
the benches measure is the plan min/max would have chosen from the same statistics, the model's
input range included."""

import pytest

from core.plan import Plan
from core.resources import RESOURCES
from core.session import Session


@pytest.fixture(scope="module")
def greedy():
    return Session.load(RESOURCES / "sessions" / "mobilenet_v2_qf_fmnist.qft")


def test_rechoose_gives_the_plan_min_max_chooses_from_the_same_statistics(greedy):
    plan = greedy.plan
    stats = {e.name: e.stats for e in plan}
    before = {e.name: (e.min, e.max, e.method) for e in plan}
    minmax = plan.rechoose("minmax")
    fresh = Plan(plan.tensors, stats, "minmax", plan.gamma, plan.input_method, plan.input_range)
    assert minmax.method == "minmax" and minmax.gamma == plan.gamma
    assert {e.name: (e.min, e.max, e.method) for e in minmax} == {e.name: (e.min, e.max, e.method) for e in fresh}
    assert any(minmax[n].params != plan[n].params for n in plan.names)      # min/max really chose otherwise
    assert {e.name: (e.min, e.max, e.method) for e in plan} == before        # the greedy plan is untouched


def test_rechoose_keeps_the_models_input_range(greedy):
    """A keras.applications model takes [-1, 1]: its min/max twin must too (a plan rebuilt from the
    tensors and statistics alone fell back to [0, 1])."""
    stats = {e.name: e.stats for e in greedy.plan}
    pm1 = Plan(greedy.plan.tensors, stats, "greedy", input_range=(-1.0, 1.0))
    inp = next(e.name for e in pm1 if e.tensor.op == "INPUT")
    twin = pm1.rechoose("minmax")
    assert twin.input_range == (-1.0, 1.0)
    assert (twin[inp].min, twin[inp].max) == (pm1[inp].min, pm1[inp].max)
    assert twin[inp].min < 0.0


def test_session_rechoose_is_an_unsaved_twin_recording_its_method(greedy):
    twin = greedy.rechoose("minmax")
    assert twin.path is None and twin.plan.method == "minmax"
    assert twin.calibration == {**greedy.calibration, "method": "minmax"}
    assert (twin.model_path, twin.model_sha256) == (greedy.model_path, greedy.model_sha256)
