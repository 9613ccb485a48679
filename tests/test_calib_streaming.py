"""Calibration memory at 224 px: a batch whose activations exceed ``ACTIVATION_BUDGET`` is run in
sub-batches (core/calib/collect.py); the statistics themselves must not change a single count."""

from __future__ import annotations

import numpy as np

from core.calib.collect import collect_stats, model_inputs, stats_model
from core.calib.graph_stats import GraphStats
from core.calib.histogram import Histogram
from core.data import load_dataset
from core.quant.tensors import quant_tensors


def _images(n=40):
    return load_dataset("embedded", "train").images[:n].copy()


def test_statistics_step_bins_the_very_activations_the_model_computes(tiny_qf_v2):
    """The statistics step sees, for every tensor, exactly (bit for bit) the activation the
    stats model returns, and its counts, grid, min and max equal Histogram.update on it: so the
    session's histograms and ranges are those of the reference path (activations copied to numpy)."""
    tensors = quant_tensors(tiny_qf_v2)
    probe = stats_model(tiny_qf_v2, tensors)
    step = GraphStats(tiny_qf_v2, tensors, probe, 2048, with_activations=True)
    fast = [Histogram(2048) for _ in tensors]
    ref = [Histogram(2048) for _ in tensors]
    images = _images()
    for start in range(0, len(images), 16):            # 16, 16, 8: ranges grow, short last batch
        x = model_inputs(tiny_qf_v2, images[start:start + 16])
        vmin, vmax, counts, lo, width, complete, acts = step(x, fast)
        outs = [x] + [np.asarray(o) for o in probe.predict_on_batch(x)]
        for i, t in enumerate(tensors):
            np.testing.assert_array_equal(acts[i], outs[i].reshape(-1), err_msg=t.name)
            ref[i].update(outs[i])
            assert complete[i] and fast[i].add_binned(counts[i], vmin[i], vmax[i], lo[i], width[i]), t.name
            np.testing.assert_array_equal(fast[i].counts, ref[i].counts, err_msg=t.name)
            assert (fast[i].lo, fast[i].width, fast[i].min, fast[i].max) == \
                (ref[i].lo, ref[i].width, ref[i].min, ref[i].max), t.name


def test_collect_stats_counts_every_value_of_every_tensor_once(tiny_qf_v2):
    """Through collect_stats (the calibrate path): every tensor has a histogram holding exactly
    N x its size values, no numpy fallback, and a short last batch is not padded."""
    tensors = quant_tensors(tiny_qf_v2)
    hists, meta = collect_stats(tiny_qf_v2, tensors, _images(37), batch_size=16)
    assert meta["numpy_fallbacks"] == 0 and meta["n_images"] == 37
    for t in tensors:
        assert hists[t.name].total == 37 * int(np.prod(t.shape)), t.name


def test_a_model_too_large_for_the_budget_is_calibrated_in_sub_batches(tiny_qf_v2, monkeypatch):
    """When a batch's activations exceed ACTIVATION_BUDGET (a 224-px model at batch 32), the batch
    is split: every value is still counted once, and the histograms are exactly those of asking for
    that smaller batch size (same graph, same batches); the tiny model itself is never split."""
    from core.calib import collect

    tensors = quant_tensors(tiny_qf_v2)
    assert collect.rows_per_pass(tensors, 32) == 32
    per_image = 4 * sum(int(np.prod(t.shape)) for t in tensors)
    images = _images(23)
    small, small_meta = collect_stats(tiny_qf_v2, tensors, images, batch_size=5)
    monkeypatch.setattr(collect, "ACTIVATION_BUDGET", 5 * per_image + 1)
    assert collect.rows_per_pass(tensors, 32) == 5
    batches = (model_inputs(tiny_qf_v2, images[i:i + 10]) for i in range(0, 23, 10))   # 10, 10, 3
    split, meta = collect_stats(tiny_qf_v2, tensors, batches, batch_size=10, total=23)
    assert meta["batch_size"] == 5 and meta["n_images"] == 23
    for t in tensors:
        a, b = split[t.name], small[t.name]
        assert a.total == 23 * int(np.prod(t.shape)), t.name
        np.testing.assert_array_equal(a.counts, b.counts, err_msg=t.name)
        assert (a.lo, a.width, a.min, a.max) == (b.lo, b.width, b.min, b.max), t.name
