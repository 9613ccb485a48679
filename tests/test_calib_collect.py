"""The calibration pass on a real Keras model: one pass, exact counts, NaN and shape errors."""

from __future__ import annotations

import numpy as np
import pytest

from core.calib.collect import CalibrationError, collect_stats
from core.calib.histogram import NonFiniteError
from core.quant.tensors import quant_tensors


def _small_model():
    import keras

    inp = keras.Input((12, 12, 1), name="image")
    x = keras.layers.Conv2D(4, 3, name="conv")(inp)
    x = keras.layers.ReLU(name="conv_relu")(x)
    x = keras.layers.MaxPooling2D(name="pool")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(3, name="logits")(x)
    out = keras.layers.Softmax(name="softmax")(x)
    return keras.Model(inp, out)


def test_one_pass_collects_every_tensor_with_exact_counts(tiny_qf_v2, rng):
    images = rng.integers(0, 256, (7, 28, 28, 1), dtype=np.uint8)
    tensors = quant_tensors(tiny_qf_v2)
    hists, meta = collect_stats(tiny_qf_v2, tensors, images, bins=512, batch_size=3)
    assert set(hists) == {t.name for t in tensors} and meta["n_images"] == 7
    for t in tensors:
        assert hists[t.name].total == 7 * int(np.prod(t.shape)), t.name
    img = hists["image"] if "image" in hists else hists[tensors[0].name]
    assert img.min == images.min() / 255.0 and img.max == pytest.approx(images.max() / 255.0)


def test_statistics_match_the_layer_outputs(rng):
    import keras

    model = _small_model()
    tensors = quant_tensors(model)
    images = rng.integers(0, 256, (5, 12, 12, 1), dtype=np.uint8)
    hists, _ = collect_stats(model, tensors, images, bins=256, batch_size=2)
    x = images.astype(np.float32) / 255.0
    for t in tensors[1:]:
        out = keras.Model(model.inputs, model.get_layer(t.output_layer).output).predict_on_batch(x)
        assert hists[t.name].min == pytest.approx(float(out.min()), abs=1e-6), t.name
        assert hists[t.name].max == pytest.approx(float(out.max()), abs=1e-6), t.name


def test_nan_activation_names_tensor_and_batch(rng):
    model = _small_model()
    dense = model.get_layer("logits")
    k, b = dense.get_weights()
    b[1] = np.nan
    dense.set_weights([k, b])
    images = rng.integers(0, 256, (4, 12, 12, 1), dtype=np.uint8)
    with pytest.raises(NonFiniteError, match=r"tensor logits .*batch 1 of 2.*NaN"):
        collect_stats(model, quant_tensors(model), images, batch_size=2)


def test_shape_mismatch_names_both_shapes(rng):
    model = _small_model()
    images = rng.integers(0, 256, (2, 12, 12, 2), dtype=np.uint8)
    with pytest.raises(CalibrationError, match=r"\(12, 12, 1\).*\(12, 12, 2\)"):
        collect_stats(model, quant_tensors(model), images, source="dataset folder:x")


def _assert_same_histograms(a: dict, b: dict):
    assert set(a) == set(b)
    for name in a:
        ha, hb = a[name], b[name]
        assert (ha.lo, ha.width, ha.min, ha.max) == (hb.lo, hb.width, hb.min, hb.max), \
            f"{name}: {(ha.lo, ha.width, ha.min, ha.max)} != {(hb.lo, hb.width, hb.min, hb.max)}"
        np.testing.assert_array_equal(ha.counts, hb.counts, err_msg=name)
        assert ha.counts.dtype == np.float64


def _images_with_growing_ranges():
    from core.data import load_dataset

    images = load_dataset("embedded", "train").images[:45].copy()
    images[:16] //= 8                         # first batch dark: later batches grow most ranges
    return images


@pytest.mark.parametrize("bins", [2048, 1000])
def test_in_graph_binning_equals_numpy_binning_of_the_same_activations(tiny_qf_v2, bins):
    """Batch by batch, the graph's counts, grid, min and max equal Histogram.update on the very
    activations the graph binned (returned for the test: TF's forward pass is not bit-reproducible
    from one graph execution to the next), over batches whose ranges grow, short last batch included."""
    from core.calib.collect import model_inputs, stats_model
    from core.calib.graph_stats import GraphStats
    from core.calib.histogram import Histogram

    images = _images_with_growing_ranges()
    tensors = quant_tensors(tiny_qf_v2)
    step = GraphStats(tiny_qf_v2, tensors, stats_model(tiny_qf_v2, tensors), bins, with_activations=True)
    fast = [Histogram(bins) for _ in tensors]
    ref = [Histogram(bins) for _ in tensors]
    for start in range(0, len(images), 16):
        x = model_inputs(tiny_qf_v2, images[start:start + 16])     # the last batch is short (13)
        vmin, vmax, counts, lo, width, complete, acts = step(x, fast)
        for i, t in enumerate(tensors):
            assert acts[i].size == len(x) * int(np.prod(t.shape)), t.name
            ref[i].update(acts[i])
            assert complete[i], t.name
            assert fast[i].add_binned(counts[i], vmin[i], vmax[i], lo[i], width[i]), t.name   # same grid
            _assert_same_histograms({t.name: fast[i]}, {t.name: ref[i]})


def test_in_graph_collection_agrees_with_the_numpy_path_end_to_end(tiny_qf_v2):
    """Through collect_stats: same tensors, exact totals, the same extremes and counts up to the
    last-bit noise of two separate forward passes (a wiring error would show as gross differences)."""
    images = _images_with_growing_ranges()
    tensors = quant_tensors(tiny_qf_v2)
    fast, meta = collect_stats(tiny_qf_v2, tensors, images, batch_size=16)
    ref, ref_meta = collect_stats(tiny_qf_v2, tensors, images, batch_size=16, in_graph=False)
    assert meta["in_graph"] and not ref_meta["in_graph"] and meta["numpy_fallbacks"] == 0
    assert set(fast) == set(ref)
    for t in tensors:
        a, b = fast[t.name], ref[t.name]
        assert a.total == b.total == 45 * int(np.prod(t.shape)), t.name
        scale = max(abs(b.min), abs(b.max))
        assert a.min == pytest.approx(b.min, abs=1e-5 * scale) and a.max == pytest.approx(b.max, abs=1e-5 * scale)
        if b.max - b.min <= 1e-6 * max(scale, 1.0):
            # a constant tensor (the untrained softmax at exactly 0.1), or one that is zero up to float
            # noise (the untrained logits, |x| ~ 1e-9): its bin width and counts are last-bit noise
            continue
        assert a.width == pytest.approx(b.width, rel=1e-3), t.name
        assert np.abs(a.counts - b.counts).sum() <= 1e-3 * b.total, t.name


def test_range_growth_between_batches_matches_numpy_exactly(rng):
    """Batches with ever wider (and shifting) ranges: every growth path of the histogram."""
    model = _small_model()
    tensors = quant_tensors(model)
    k, b = model.get_layer("conv").get_weights()
    model.get_layer("conv").set_weights([k * 3.0, b - 0.5])   # conv output of both signs
    scales = [1, 2, 4, 16, 64, 255, 3, 200]
    images = np.concatenate([rng.integers(0, s + 1, (3, 12, 12, 1)) for s in scales]).astype(np.uint8)
    fast, _ = collect_stats(model, tensors, images, bins=64, batch_size=3)
    ref, _ = collect_stats(model, tensors, images, bins=64, batch_size=3, in_graph=False)
    _assert_same_histograms(fast, ref)


def test_the_statistics_graph_is_traced_once_per_model(tiny_qf_v2, rng):
    from core.calib.collect import stats_model
    from core.calib.graph_stats import graph_stats

    tensors = quant_tensors(tiny_qf_v2)
    for n, bs in [(40, 16), (7, 16), (33, 32)]:   # short last batch, a single short batch, another size
        collect_stats(tiny_qf_v2, tensors, rng.integers(0, 256, (n, 28, 28, 1), dtype=np.uint8), batch_size=bs)
    step = graph_stats(tiny_qf_v2, tensors, stats_model(tiny_qf_v2, tensors), 2048)
    assert step.traces == 1


def test_inf_activation_in_a_later_batch_names_tensor_and_batch():
    model = _small_model()
    conv = model.get_layer("conv")
    k, b = conv.get_weights()
    conv.set_weights([np.full_like(k, 3e38), np.zeros_like(b)])   # a bright 3x3 patch overflows to +inf
    images = np.zeros((6, 12, 12, 1), np.uint8)
    images[4, 3:6, 3:6, 0] = 255                                    # image 4: batch 3 of 3
    with pytest.raises(NonFiniteError, match=r"tensor conv .*batch 3 of 3 \(images 4\.\.5\).*Inf"):
        collect_stats(model, quant_tensors(model), images, batch_size=2)


def test_histogram_add_binned_refuses_another_grid_and_keeps_counts():
    from core.calib.histogram import Histogram

    h = Histogram(16)
    h.update(np.linspace(0.0, 1.6, 17))          # width 0.1; covering 3.0 grows it to 0.2
    before = h.counts.copy()
    assert not h.add_binned(np.ones(16), 0.0, 3.0, 0.0, 0.25)   # binned on another grid: refused
    assert h.total == before.sum() and h.width == pytest.approx(0.2) and h.max == 1.6
    assert h.add_binned(np.ones(16), 0.0, 3.0, h.lo, h.width)   # on the grown grid: accepted
    assert h.total == before.sum() + 16 and h.max == 3.0
    with pytest.raises(NonFiniteError):
        h.add_binned(np.ones(16), 0.0, float("nan"), h.lo, h.width)


def test_nan_in_one_channel_of_a_large_tensor_is_caught_in_graph(rng):
    """A quarter of a linear conv output is NaN (one channel, interleaved with finite values):
    the in-graph min/max (or the bin count's refusal of a NaN index) must not let it through."""
    import keras

    inp = keras.Input((12, 12, 1), name="image")
    x = keras.layers.Conv2D(4, 3, name="conv")(inp)              # linear: no ReLU to swallow the NaN
    out = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    model = keras.Model(inp, out)
    k, b = model.get_layer("conv").get_weights()
    k[1, 1, 0, 2] = np.nan
    model.get_layer("conv").set_weights([k, b])
    images = rng.integers(0, 256, (40, 12, 12, 1), dtype=np.uint8)
    with pytest.raises(NonFiniteError, match=r"tensor conv .*batch 1 of 2.*NaN \(3200 of 12800 values\)"):
        collect_stats(model, quant_tensors(model), images, batch_size=32)


def test_a_minus_one_to_one_input_is_binned_in_the_graph_like_numpy(tiny_qf_v2):
    """keras.applications MobileNets take pixel/127.5 - 1: the input tensor's grid starts at -1. It was taken
    for a [0, 1] input, so every batch fell back to the numpy path (a second forward pass: calibration of
    keras.applications MobileNetV2 at 224 px ran at 66 ms per image instead of ~20)."""
    from core.models.convention import PIXEL_PM1

    images = _images_with_growing_ranges()
    tensors = quant_tensors(tiny_qf_v2)
    fast, meta = collect_stats(tiny_qf_v2, tensors, images, batch_size=16, convention=PIXEL_PM1)
    ref, _ = collect_stats(tiny_qf_v2, tensors, images, batch_size=16, in_graph=False, convention=PIXEL_PM1)
    assert meta["in_graph"] and meta["numpy_fallbacks"] == 0 and meta["recounts"] == 0
    name = tensors[0].name
    assert tensors[0].op == "INPUT" and fast[name].min == ref[name].min == -1.0
    _assert_same_histograms({name: fast[name]}, {name: ref[name]})    # the input: the same values, bit for bit
