"""Weight choosers on a folded kernel with a dead BatchNorm channel (the paper's failure, made by hand):
output-mse clips the dead channel's outlier and erases no live channel; minmax keeps max|w|."""

import numpy as np

from model_kit import kill_bn_channel


def _model():
    import keras

    keras.utils.set_random_seed(0)
    x = keras.Input((8, 8, 6))
    y = keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False, name="dw")(x)
    y = keras.layers.BatchNormalization(name="dw_bn")(y)
    y = keras.layers.ReLU()(y)
    y = keras.layers.Conv2D(4, 1, name="pw")(y)
    model = keras.Model(x, y)
    kill_bn_channel(model, "dw_bn", channel=2, others=500.0)  # folded scale 1/sqrt(eps) on channel 2, 0.045 elsewhere
    return model


def test_output_mse_clips_the_dead_channel_and_erases_no_live_one():
    from core.plan.weight_choosers import choose_clip
    from core.plan.weight_entry import weight_error
    from core.weights import kernel_stats

    stats = kernel_stats(_model())["dw"]
    per_channel = stats.abs_max("per-channel")
    live = np.delete(per_channel, 2)
    assert per_channel[2] > 254 * live.max()                          # the dead channel's folded outlier
    assert stats.out_variance[2] < 1e-6 * np.delete(stats.out_variance, 2).min()

    (minmax,) = choose_clip("minmax", stats, "per-tensor")
    (clip,) = choose_clip("output-mse", stats, "per-tensor")
    assert minmax == float(per_channel.max())
    assert 0.5 * live.max() < clip <= live.max() * (1 + 1e-6)
    assert weight_error(stats, [minmax])["erased"] >= 1               # max|w| erases live channels ...
    assert weight_error(stats, [clip])["erased"] == 0                 # ... the chosen clip none
    assert weight_error(stats, [clip])["output_sqnr_db"] > weight_error(stats, [minmax])["output_sqnr_db"] + 10


def test_choosers_per_channel_give_one_clip_per_channel_below_max():
    from core.plan.weight_choosers import WEIGHT_METHODS, choose_clip
    from core.weights import kernel_stats

    stats = kernel_stats(_model())["pw"]
    top = stats.abs_max("per-channel")
    for method in WEIGHT_METHODS:
        clips = np.asarray(choose_clip(method, stats, "per-channel"))
        assert clips.shape == top.shape and np.all(clips > 0) and np.all(clips <= top * (1 + 1e-6)), method
