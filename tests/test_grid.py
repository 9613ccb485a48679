"""The int8 grid: what the user sees is what TensorFlow's FakeQuant and TFLite store."""

import numpy as np
import pytest

from core.quant.grid import nudge, params_from_scale


def _random_ranges(n, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        yield -rng.random() * 10 ** rng.uniform(-3, 3), rng.random() * 10 ** rng.uniform(-3, 3)


def _ulps(a, b):
    return abs(int(np.float32(a).view(np.int32)) - int(np.float32(b).view(np.int32)))


def test_matches_tensorflow_fake_quant_on_its_own_ranges():
    import tensorflow as tf

    for lo, hi in list(_random_ranges(40)) + [(-1.3, 4.7), (0.0, 6.0), (-0.01, 10.0), (-5.0, 0.0)]:
        p = nudge(lo, hi)
        x = np.linspace(p.min - 1, p.max + 1, 4001, dtype=np.float32)
        y = tf.quantization.fake_quant_with_min_max_args(x, min=p.min, max=p.max, num_bits=8).numpy()
        # FakeQuant with the plan's range clamps to the plan's ends (to the last float32 bits:
        # it re-nudges them; the scale the converter stores is bit-exact, tests/test_export*)
        assert _ulps(y.min(), p.min) <= 2 and _ulps(y.max(), p.max) <= 2
        # and so does our own fake_quant, except at exact rounding ties (TF rounds half up,
        # numpy half to even): there the two differ by exactly one step
        diff = np.abs(y - p.fake_quant(x)) / p.scale
        assert np.all((diff < 1e-3) | (np.abs(diff - 1) < 1e-3)) and np.mean(diff > 0.5) < 0.005


def test_idempotent_so_ranges_never_drift():
    for lo, hi in _random_ranges(20000, seed=1):
        p = nudge(lo, hi)
        assert nudge(p.min, p.max) == p


def test_zero_is_always_representable_and_ranges_are_extended_to_it():
    for lo, hi in list(_random_ranges(500, seed=2)) + [(0.5, 2.0), (-3.0, -1.0)]:
        p = nudge(lo, hi)
        assert p.min <= 0.0 <= p.max
        assert p.dequantize(p.zero_point) == 0.0
        assert -128 <= p.zero_point <= 127
    assert nudge(0.5, 2.0).min == 0.0 and nudge(0.5, 2.0).max == pytest.approx(2.0, rel=1e-6)
    assert nudge(-3.0, -1.0).max == 0.0 and nudge(-3.0, -1.0).min == pytest.approx(-3.0, rel=1e-6)


def test_exact_input_range_and_locked_softmax():
    p = nudge(0.0, 1.0)
    assert (p.scale, p.zero_point) == (float(np.float32(1 / 255)), -128)
    soft = params_from_scale(1 / 256, -128)
    assert (soft.min, soft.max) == (0.0, 255 / 256)


@pytest.mark.parametrize("bad", [(float("nan"), 1.0), (0.0, float("inf")), (2.0, 1.0), (0.0, 0.0)])
def test_refuses_bad_ranges(bad):
    with pytest.raises(ValueError):
        nudge(*bad)
