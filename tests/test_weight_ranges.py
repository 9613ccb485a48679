"""core.weights: the folded per-channel ranges and the channels per-tensor int8 weights erase.

The model is the paper's failure made by hand: one depthwise channel's BN variance is ~0 (a dead
input), so its folded kernel is ~1/sqrt(eps) times wider and the per-tensor step swallows the rest.
Every figure is checked against a direct numpy fold of the Keras weights.
"""

import numpy as np
import pytest

from model_kit import kill_bn_channel


@pytest.fixture(scope="module")
def dead_channel_model():
    import keras

    from core.models import QFConfig, build_mobilenet_v1

    model = build_mobilenet_v1(input_size=16, width=0.25, qf=QFConfig.original(), name="m")
    kill_bn_channel(model, "block0_dw_bn", 3, others=2000.0)   # s = 0.022 vs 1/sqrt(eps) = 31.6 for channel 3
    rng = np.random.default_rng(0)
    dw = model.get_layer("block0_dw")
    dw.kernel.assign(rng.normal(0, 0.3, dw.kernel.shape).astype(np.float32))
    return model, keras


def test_folded_ranges_match_numpy(dead_channel_model):
    from core.weights import model_weights

    model, _ = dead_channel_model
    lw = model_weights(model)["block0_dw"]
    bn = model.get_layer("block0_dw_bn")
    w = {v.path.split("/")[-1]: np.asarray(v.numpy(), np.float64) for v in bn.weights}
    s = w["gamma"] / np.sqrt(w["moving_variance"] + bn.get_config()["epsilon"])
    k = np.asarray(model.get_layer("block0_dw").kernel.numpy(), np.float64)[:, :, :, 0] * s   # (kh, kw, C)
    assert lw.kind == "DepthwiseConv2D" and lw.channels == k.shape[-1]
    np.testing.assert_allclose(lw.ch_min, k.min(axis=(0, 1)), rtol=1e-6)
    np.testing.assert_allclose(lw.ch_max, k.max(axis=(0, 1)), rtol=1e-6)
    step = np.abs(k).max() / 127
    expect = np.abs(k).max(axis=(0, 1)) < step / 2
    np.testing.assert_array_equal(lw.collapsed, expect)
    assert expect.sum() >= lw.channels - 2 and not expect[3]    # the wide channel survives, the rest go
    assert lw.dead.tolist() == [i == 3 for i in range(lw.channels)]
    assert lw.max_bn_scale == pytest.approx(s.max())
    assert lw.spread > 100


def test_summary_round_trips_and_unknown_layer_is_named(dead_channel_model):
    from core.weights import LayerWeights, layer_weights

    model, _ = dead_channel_model
    lw = layer_weights(model, "block0_dw")
    back = LayerWeights.from_dict(lw.to_dict())
    assert back.summary() == lw.summary()
    with pytest.raises(KeyError, match="'block0_dw_bn' has no conv"):
        layer_weights(model, "block0_dw_bn")
