"""Range choosers on synthetic distributions: known optima, brute force, adversarial shapes."""

from __future__ import annotations

import numpy as np
import pytest

from core.calib.histogram import Histogram
from core.choosers import CHOOSERS, GreedyChooser, cost_of, make_chooser, safe_nudge
from core.choosers.greedy import brute_force
from core.quant.grid import nudge


def _adversarial(rng):
    n = 50_000
    spikes = np.concatenate([np.full(n, 0.3), np.full(n // 100, 7.0), rng.normal(1, 0.1, n // 10)])
    return {
        "relu_normal": np.maximum(rng.normal(size=n), 0),
        "normal": rng.normal(size=n),
        "uniform": rng.uniform(-1, 3, n),
        "heavy_tail_t2": rng.standard_t(2, n),
        "cauchy": np.clip(rng.standard_cauchy(n), -1e4, 1e4),
        "spikes": spikes,
        "one_outlier": np.concatenate([rng.uniform(0, 1, n), [1000.0]]),
        "one_sided_negative": -np.abs(rng.laplace(size=n)),
        "single_value": np.full(1000, 2.5),
        "two_values": np.concatenate([np.full(1000, -1.0), np.full(10, 4.0)]),
        "bimodal": np.concatenate([rng.normal(-5, 0.1, n), rng.normal(5, 0.1, n)]),
        "lognormal": rng.lognormal(0, 1.5, n),
    }


CASES = sorted(_adversarial(np.random.default_rng(0)))


@pytest.fixture(scope="module")
def hists():
    return {k: Histogram.from_values(v) for k, v in _adversarial(np.random.default_rng(0)).items()}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("gamma", [1.0, 3.0])
def test_greedy_within_one_percent_of_brute_force_and_never_worse_than_minmax(hists, case, gamma):
    h = hists[case]
    choice = GreedyChooser(gamma).choose(h)
    _, costs = brute_force(h, gamma)
    optimum = float(costs.min())
    assert choice.cost <= optimum * 1.01 + 1e-15, f"{case}: greedy {choice.cost} vs exhaustive {optimum}"
    assert choice.cost <= cost_of(h, safe_nudge(h.min, h.max), gamma) * (1 + 1e-12)


@pytest.mark.parametrize("case", CASES)
def test_every_chooser_returns_a_nudged_range_containing_the_data_sign(hists, case):
    h = hists[case]
    for name in CHOOSERS:
        c = make_chooser(name).choose(h)
        p = c.params
        assert p.min <= 0.0 <= p.max, (name, p)
        again = nudge(p.min, p.max)   # re-nudging the shown range (as FakeQuant will) keeps the grid
        assert again.zero_point == p.zero_point and again.scale == pytest.approx(p.scale, rel=1e-6), name
        assert -128 <= p.zero_point <= 127
        assert np.isfinite(c.cost) and c.cost >= 0
        if h.min >= 0:
            assert p.min == 0.0, (name, p)


def test_greedy_uniform_known_optimum():
    # uniform on [0, a]: E_round + E_sat is minimal within about one step below a (a * 510/511)
    a = 4.0
    h = Histogram.from_values(np.linspace(0, a, 200_001))
    c = GreedyChooser().choose(h)
    assert c.params.min == 0.0
    assert abs(c.params.max - a * 510 / 511) <= 2 * a / 255


def test_greedy_lone_outlier_known_optimum():
    # N values in [0, 1] and one at 100, range [0, r]: cost*N = (100 - r)**2 + N * (r / 255)**2 / 12,
    # minimal at r* = 100 / (1 + N / (12 * 255**2)); min/max keeps the outlier whole
    rng = np.random.default_rng(1)
    n = 2_000_000
    h = Histogram.from_values(np.concatenate([rng.uniform(0, 1, n), [100.0]]))
    assert make_chooser("minmax").choose(h).max == pytest.approx(100.0, rel=1e-6)
    r_star = 100.0 / (1.0 + n / (12 * 255.0 ** 2))
    g = GreedyChooser().choose(h)
    assert g.min == 0.0
    assert g.max == pytest.approx(r_star, rel=0.04)


def test_gamma_trades_saturation_against_rounding():
    rng = np.random.default_rng(2)
    h = Histogram.from_values(rng.standard_t(3, 200_000))
    widths = [GreedyChooser(g).choose(h).params for g in (0.3, 1.0, 3.0, 10.0)]
    spans = [p.max - p.min for p in widths]
    assert spans == sorted(spans), "a higher gamma (saturation costs more) must never give a narrower range"
    assert spans[-1] > spans[0]


def test_greedy_landscape_matches_choice():
    h = Histogram.from_values(np.random.default_rng(3).normal(size=10_000))
    c = GreedyChooser().choose(h)
    land = c.landscape
    assert len(land.steps) == len(land.costs) == len(land.mins) == len(land.maxs)
    assert np.all(np.diff(land.steps) > 0)
    assert land.costs[land.best] == land.costs.min()
    # the chosen range is the landscape's best, nudged
    assert c.params == nudge(land.mins[land.best], land.maxs[land.best]) or c.cost <= land.costs.min() * 1.01


def test_choose_many_equals_choose_one_by_one(hists):
    g = GreedyChooser()
    many = g.choose_many([hists[k] for k in CASES])
    for k, c in zip(CASES, many, strict=True):
        assert c.params == g.choose(hists[k]).params, k


def test_all_zero_tensor_gets_a_valid_tiny_range():
    h = Histogram.from_values(np.zeros(100))
    for name in CHOOSERS:
        p = make_chooser(name).choose(h).params
        assert p.min == 0.0 and 0 < p.max <= 0.011 and p.fake_quant(0.0) == 0.0


def test_percentile_clips_the_top_fraction():
    x = np.arange(1, 1_000_001, dtype=np.float64)   # uniform 1..1e6
    h = Histogram.from_values(x)
    c = make_chooser("percentile").choose(h)
    assert c.max == pytest.approx(999_900, rel=2e-3)


def test_entropy_clips_heavy_tails_and_keeps_compact_data():
    rng = np.random.default_rng(4)
    heavy = Histogram.from_values(np.abs(rng.standard_cauchy(200_000)).clip(0, 1e3))
    compact = Histogram.from_values(rng.uniform(0, 2, 200_000))
    assert make_chooser("entropy").choose(heavy).max < 200
    assert make_chooser("entropy").choose(compact).max > 1.8


@pytest.mark.parametrize("method", ["greedy", "mse"])
def test_laplace_known_mse_optimal_clip(method):
    # Banner et al. (ACIQ): for Laplace(0, b) and 8 bits the MSE-optimal clipping value is 9.89 b
    x = np.random.default_rng(6).laplace(0, 1, 1_000_000)
    c = make_chooser(method).choose(Histogram.from_values(x))
    assert c.max == pytest.approx(9.89, rel=0.08) and c.min == pytest.approx(-9.89, rel=0.08)
    assert max(abs(x.min()), x.max()) > 12          # so min/max would not be it


def test_mse_is_close_to_the_exact_fake_quant_error_minimum():
    rng = np.random.default_rng(5)
    x = rng.laplace(size=100_000)
    h = Histogram.from_values(x)
    chosen = make_chooser("mse").choose(h).params

    def err(p):
        return float(np.mean((p.fake_quant(x) - x) ** 2))

    for f in (0.3, 0.5, 0.8, 1.0):
        other = nudge(x.min() * f, x.max() * f)
        assert err(chosen) <= err(other) * 1.05


@pytest.mark.parametrize("method", sorted(CHOOSERS))
def test_a_near_dead_tensor_gets_a_range_the_converter_keeps(method):
    """Activations of width ~1e-9 (deep in an untrained MobileNetV3): the TFLite converter replaces
    any range of width <= 1e-6 by its own, so every chooser widens it, keeping zero's position."""
    from core.quant.grid import MIN_WIDTH

    h = Histogram(2048)
    h.update(np.random.default_rng(0).uniform(-2e-10, 8e-10, 5000).astype(np.float32))
    p = make_chooser(method).choose(h).params
    assert p.max - p.min > 5 * MIN_WIDTH
    assert p.min < 0 < p.max
    if method == "minmax":
        assert p.zero_point == nudge(-2e-10 * 1e4, 8e-10 * 1e4).zero_point
    assert nudge(p.min, p.max) == p
    assert safe_nudge(0.0, 1e-9).max > 5 * MIN_WIDTH
