"""Streaming histograms: exact counts while the range grows, merging, NaN/Inf refusal."""

from __future__ import annotations

import numpy as np
import pytest

from core.calib.histogram import Histogram, NonFiniteError


def test_total_equals_values_seen_when_range_grows_in_both_directions(rng):
    h = Histogram(2048)
    seen = []
    for scale, shift in [(0.01, 0.0), (1.0, 0.0), (5.0, -20.0), (0.1, 3.0), (100.0, 50.0), (1e-3, 0.0)]:
        x = rng.normal(shift, scale, size=int(rng.integers(1, 5000)))
        h.update(x)
        seen.append(x)
        assert h.total == sum(len(s) for s in seen)
    allx = np.concatenate(seen)
    assert h.min == allx.min() and h.max == allx.max()
    assert h.lo <= min(allx.min(), 0.0) and h.hi >= allx.max()


def test_rebinning_moves_whole_bins_and_keeps_every_value_in_the_right_place(rng):
    x1 = rng.uniform(0, 1, 10_000)
    x2 = rng.uniform(-3, 7, 10_000)
    h = Histogram(256)
    h.update(x1)
    h.update(x2)
    # each value must be counted in the bin whose edges contain it (aligned re-binning is exact)
    edges = h.edges
    expected, _ = np.histogram(np.concatenate([x1, x2]), bins=edges)
    np.testing.assert_array_equal(h.counts, expected)


def test_batches_of_any_size_give_the_same_counts_once_the_range_is_set(rng):
    x = rng.normal(size=3000)
    one = Histogram(512)
    one.update(x)
    many = Histogram(512)
    many.update(np.array([x.min(), x.max()]))      # same range from the first batch
    for chunk in np.array_split(x, 37):
        many.update(chunk)
    assert many.total == one.total + 2
    assert many.min == one.min and many.max == one.max


def test_single_value_and_all_zero():
    h = Histogram()
    h.update(np.zeros(10))
    assert h.total == 10 and h.min == h.max == 0.0
    h.update(np.full(5, 3.0))
    assert h.total == 15 and h.max == 3.0
    assert h.counts[0] == 10 and h.counts[-1] + h.counts[-2] >= 5 - 1e-9


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_is_an_error_naming_where(bad):
    h = Histogram()
    x = np.ones(100)
    x[17] = bad
    with pytest.raises(NonFiniteError, match="block3_expand, batch 2"):
        h.update(x, where="tensor block3_expand, batch 2")
    assert h.total == 0


def test_merge_keeps_totals_and_extremes(rng):
    a = Histogram.from_values(rng.uniform(0, 1, 1000))
    b = Histogram.from_values(rng.uniform(-2, 5, 3000))
    m = a.merge(b)
    assert m.total == 4000
    assert m.min == min(a.min, b.min) and m.max == max(a.max, b.max)
    assert Histogram.union([a, b, Histogram()]).total == 4000


def test_arrays_round_trip_exactly(rng):
    h = Histogram.from_values(rng.normal(size=1000))
    back = Histogram.from_arrays(**h.to_arrays())
    np.testing.assert_array_equal(back.counts, h.counts)
    assert (back.lo, back.width, back.min, back.max) == (h.lo, h.width, h.min, h.max)
