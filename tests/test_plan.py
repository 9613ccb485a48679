"""The plan: defaults, tied groups, locked tensors, refusals, change records, observers, estimates."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from core.calib.histogram import Histogram
from core.plan import Plan, PlanError
from core.quant.grid import nudge
from core.quant.tensors import QTensor


def make_plan(method="greedy"):
    rng = np.random.default_rng(0)
    ts = [
        QTensor("image", 0, "INPUT", ["image"], (28, 28, 1)),
        QTensor("conv", 1, "CONV_2D", ["conv", "conv_bn", "conv_relu"], (14, 14, 8), ["image"], group="pool"),
        QTensor("pool", 2, "MAX_POOL_2D", ["pool"], (7, 7, 8), ["conv"], group="pool"),
        QTensor("proj", 3, "CONV_2D", ["proj"], (7, 7, 8), ["pool"]),
        QTensor("logits", 4, "FULLY_CONNECTED", ["logits"], (10,), ["proj"]),
        QTensor("softmax", 5, "SOFTMAX", ["softmax"], (10,), ["logits"],
                locked="SOFTMAX output has a fixed int8 quantization"),
    ]
    for t in ts:
        t.group = t.group or t.name
    stats = {
        "image": Histogram.from_values(rng.integers(3, 250, 5000) / 255.0),
        "conv": Histogram.from_values(np.maximum(rng.laplace(size=20000), 0)),
        "pool": Histogram.from_values(np.maximum(rng.laplace(size=5000), 0) * 1.5),
        "proj": Histogram.from_values(rng.standard_t(3, 20000)),
        "logits": Histogram.from_values(rng.normal(0, 4, 1000)),
        "softmax": Histogram.from_values(rng.uniform(0, 1, 1000)),
    }
    return Plan(ts, stats, method=method)


def test_defaults_input_exact_locked_fixed_and_groups_shared():
    p = make_plan()
    img = p["image"]
    assert (img.min, img.max, img.zero_point, img.method) == (0.0, 1.0, -128, "minmax")
    assert img.scale == pytest.approx(1 / 255, rel=1e-7)   # even though no pixel is 0 or 255 here
    sm = p["softmax"]
    assert (sm.scale, sm.zero_point, sm.method) == (1 / 256, -128, "fixed")
    assert p["conv"].params == p["pool"].params and p["conv"].method == "greedy"
    assert p.group("pool") == ["conv", "pool"]
    # tied groups are chosen over the union of their statistics
    assert p.candidate("conv", "minmax").max >= max(p["conv"].stats.max, p["pool"].stats.max) * (1 - 1e-6)


def test_every_tensor_has_every_candidate_and_greedy_has_a_landscape():
    p = make_plan()
    for e in p:
        assert set(e.candidates) == {"greedy", "minmax", "percentile", "entropy", "mse"}
        for c in e.candidates.values():
            assert c.params.min <= 0 <= c.params.max
    assert p["proj"].landscape is not None and len(p["proj"].landscape.costs) > 10
    assert p["softmax"].landscape is None


def test_set_range_moves_the_tied_group_and_reverts_exactly():
    p = make_plan()
    before = {e.name: e.state() for e in p}
    change = p.set_range("pool", 0.0, 2.0)
    assert change.names == ["conv", "pool"]
    assert p["conv"].params == p["pool"].params == nudge(0.0, 2.0)
    assert p["conv"].method == p["pool"].method == "user"
    assert any("tied" in n for n in change.notes)
    change.revert()
    assert {e.name: e.state() for e in p} == before
    change.apply()
    change.apply()                                       # idempotent (QUndoStack calls redo on push)
    assert p["pool"].max == nudge(0.0, 2.0).max


def test_range_without_zero_is_extended_and_said_so():
    p = make_plan()
    change = p.set_range("proj", 0.5, 3.0)
    assert p["proj"].min == 0.0 and p["proj"].max == pytest.approx(3.0, rel=1e-6)
    assert any("does not contain 0" in n for n in change.notes)
    change = p.set_range("proj", -4.0, -1.0)
    assert p["proj"].max == 0.0 and any("does not contain 0" in n for n in change.notes)


@pytest.mark.parametrize("lo,hi,msg", [
    (1.0, 1.0, "must be below"), (2.0, 1.0, "must be below"), (float("nan"), 1.0, "not a finite"),
    (0.0, float("inf"), "not a finite"), ("abc", 1.0, "not a number"),
])
def test_refusals(lo, hi, msg):
    p = make_plan()
    before = p["proj"].state()
    with pytest.raises(PlanError, match=msg):
        p.set_range("proj", lo, hi)
    assert p["proj"].state() == before


def test_locked_tensor_refuses_with_the_reason():
    p = make_plan()
    with pytest.raises(PlanError, match="softmax is locked.*fixed int8"):
        p.set_range("softmax", 0.0, 1.0)
    with pytest.raises(PlanError, match="locked"):
        p.reset("softmax", "minmax")
    assert p.reset("softmax").empty
    with pytest.raises(PlanError, match="no tensor named 'nope'"):
        p.set_range("nope", 0, 1)


def test_reset_and_accept_all():
    p = make_plan()
    p.set_range("proj", -1.0, 1.0)
    ch = p.reset("proj")
    assert p["proj"].method == "greedy" and ch.names == ["proj"]
    p.reset("proj", "minmax")
    assert p["proj"].params == p.candidate("proj", "minmax").params
    with pytest.raises(PlanError, match="not 'user'"):
        p.reset("proj", "user")
    p.set_range("logits", -1.0, 1.0)
    ch = p.accept_all("percentile")
    assert all(p[n].method == "percentile" for n in ("conv", "pool", "proj", "logits"))
    assert p["image"].method == "minmax" and p["softmax"].method == "fixed"
    ch.revert()
    assert p["logits"].method == "user"                  # the override comes back with undo


def test_observers_get_the_changed_names_after_apply_and_revert():
    p = make_plan()
    calls = []
    unsubscribe = p.subscribe(calls.append)
    ch = p.set_range("proj", -2.0, 2.0)
    ch.revert()
    p.set_range("proj", -2.0, 2.0, apply=False)          # not applied: no call
    assert calls == [["proj"], ["proj"]]
    unsubscribe()
    p.set_range("proj", -3.0, 3.0)
    assert len(calls) == 2


def test_estimate_is_instant_and_sensible():
    p = make_plan()
    t0 = time.perf_counter()
    for _ in range(200):
        est = p.estimate("proj", -3.0, 3.0)
    per_call = (time.perf_counter() - t0) / 200
    assert per_call < 5e-3                                # < 1 ms unloaded; generous on a busy CI box
    wide, narrow = p.estimate("proj", -50, 50), p.estimate("proj", -0.5, 0.5)
    assert narrow.saturated_fraction > 0.3 and wide.saturated_fraction == 0.0
    assert est.params == nudge(-3.0, 3.0)
    best = p.candidate("proj", "greedy").params          # the greedy range minimises the same MSE
    assert math.isfinite(est.sqnr_db)
    assert p.estimate("proj", best.min, best.max).sqnr_db >= max(wide.sqnr_db, narrow.sqnr_db, est.sqnr_db) - 1e-6


def test_dict_round_trip_is_bit_exact():
    p = make_plan()
    p.set_range("proj", -1.2345678901234567, 2.718281828459045)
    stats = {e.name: e.stats for e in p}
    q = Plan.from_dict(p.to_dict(), stats)
    assert [e.state() for e in q] == [e.state() for e in p]
