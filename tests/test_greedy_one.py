"""The one-tensor greedy search (core/choosers/greedy_one.py) picks exactly what the vectorised
all-tensors search picks: same range, same cost, same landscape, on the bundled sessions' real
histograms and on adversarial shapes (saved sessions and plans depend on the ranges not moving)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.calib.histogram import Histogram
from core.choosers import GreedyChooser
from core.session import Session
from test_choosers import _adversarial

SESSIONS = sorted((Path(__file__).resolve().parents[1] / "resources" / "sessions").glob("*.qft"))


@pytest.fixture(scope="module")
def histograms():
    out = list(_adversarial(np.random.default_rng(0)).values())
    rng = np.random.default_rng(1)
    out += [rng.uniform(0.5, 3, 5000), -rng.uniform(0.5, 3, 5000), rng.normal(2, 0.01, 5000),
            rng.standard_t(3, 300) * 4]
    out = [Histogram.from_values(x) for x in out] + [Histogram.from_values(rng.normal(size=50), bins=64)]
    for path in SESSIONS[:3]:
        plan = Session.load(path, verify_model=False).plan
        out += [plan.group_stats(e.name) for e in plan if not e.locked]
    return out


def test_sessions_are_bundled():
    assert len(SESSIONS) >= 3


@pytest.mark.parametrize("gamma", [1.0, 3.0])
def test_one_tensor_search_equals_the_all_tensors_search(histograms, gamma):
    g = GreedyChooser(gamma)
    together = g.choose_many(histograms)            # groups of many: the vectorised bisection
    for i, (h, many) in enumerate(zip(histograms, together, strict=True)):
        one = g.choose(h)                           # a group of one: the two-pass search
        assert one.params == many.params and one.cost == many.cost, (i, one, many)
        if many.landscape is not None:
            a, b = one.landscape, many.landscape
            assert a.best == b.best, i
            for field in ("steps", "mins", "maxs", "costs"):
                assert np.array_equal(getattr(a, field), getattr(b, field)), (i, field)


def test_one_tensor_landscape_is_search(histograms):
    g = GreedyChooser()
    h = histograms[1]
    assert np.array_equal(g.search(h).costs, g.search_many([h, h])[0].costs)


@pytest.mark.parametrize("n_steps", [1, 7, 300])
def test_one_tensor_search_equals_the_all_tensors_search_for_other_step_counts(histograms, n_steps):
    g = GreedyChooser(2.0, n_steps=n_steps)
    for h, many in zip(histograms[:20], g.choose_many(histograms[:20]), strict=True):
        one = g.choose(h)
        assert one.params == many.params and one.cost == many.cost
        if many.landscape is not None:
            assert np.array_equal(one.landscape.costs, many.landscape.costs)
