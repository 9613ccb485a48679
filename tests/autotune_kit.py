"""The tiny MobileNetV1 with the paper's failure made by hand that the autotune tests tune: block0_dw's
channel 3 sees a constant 0 input (conv0's channel 3 is dead), its BatchNorm variance is 0, so its folded
kernel is ~100x wider than the live channels' and per-tensor weights erase them; calibrated on the embedded
training images, judged on 600 embedded test images labelled by the float model's own top-1."""

from __future__ import annotations

import numpy as np

from model_kit import data_init_bn

N_EVAL = 600


def _dead_channel_model():
    import keras

    from core.models import QFConfig, build_mobilenet_v1

    keras.utils.set_random_seed(1)
    m = data_init_bn(build_mobilenet_v1(input_size=28, width=0.25, qf=QFConfig.original(), name="dead"))
    conv0 = next(layer for layer in m.layers if type(layer).__name__ == "Conv2D")
    k = conv0.kernel.numpy()
    k[..., 3] = 0.0
    conv0.kernel.assign(k)
    bn0 = m.get_layer(conv0.name + "_bn")
    w = {v.path.split("/")[-1]: v for v in bn0.weights}
    for key, value in (("moving_mean", 0.0), ("beta", -1.0)):
        a = w[key].numpy()
        a[3] = value
        w[key].assign(a)
    dw = m.get_layer("block0_dw")
    k = dw.kernel.numpy()
    k[:, :, 3, 0] = 3.0
    dw.kernel.assign(k)
    w = {v.path.split("/")[-1]: v for v in m.get_layer("block0_dw_bn").weights}
    for key in ("moving_mean", "moving_variance"):
        a = w[key].numpy()
        a[3] = 0.0
        w[key].assign(a)
    head = m.layers[-1] if type(m.layers[-1]).__name__ == "Dense" else m.get_layer("logits")
    return m, head


def build_tuned_case(d, make=None, name: str = "dead"):
    """(session path, data spec): the dead-channel model saved and calibrated on the embedded training images,
    and a folder of 600 embedded test images labelled by the float model's top-1 (its logits centred so
    that every class is predicted; their margins are small, so int8 noise flips many of them)."""
    from PIL import Image

    from core.calibrate import calibrate
    from core.data import load_dataset
    from core.models.convention import PIXEL_01

    model, head = (make or _dead_channel_model)()
    ev = load_dataset("embedded:eval").limit(N_EVAL)
    (d / "stage" / "all").mkdir(parents=True)
    for i, img in enumerate(ev.images):
        Image.fromarray(np.asarray(img).reshape(28, 28)).save(d / "stage" / "all" / f"{i:04d}.png")
    # the images as the folder source gives them (its central crop and resize), in file order
    x = np.concatenate([np.asarray(b) for b, _ in load_dataset(f"folder:{d / 'stage'}").batches(28, 1, PIXEL_01, 100)])
    logits = np.asarray(model(x, training=False))
    b = head.bias.numpy() - np.log(np.maximum(logits, 1e-12)).mean(axis=0)   # softmax output: centre log-scores
    head.bias.assign(b.astype(np.float32))
    pred = np.argmax(np.asarray(model(x, training=False)), axis=1)
    assert len(np.unique(pred)) == 10, np.bincount(pred)
    for i, c in enumerate(pred):
        folder = d / "data" / f"c{c}"
        folder.mkdir(parents=True, exist_ok=True)
        (d / "stage" / "all" / f"{i:04d}.png").rename(folder / f"{i:04d}.png")
    model.save(d / f"{name}.keras")
    session = calibrate(str(d / f"{name}.keras"), "embedded")
    session.save(d / f"{name}.qft")
    return d / f"{name}.qft", f"folder:{d / 'data'}"


def shared_tuned_case(tmp_path_factory):
    """``build_tuned_case``'s dead-channel case, built once per test run for every file and xdist worker that
    reads it (test_autotune, test_autotune_float, gui/test_autotune_pareto; ``shared_kit.built_once``).
    The tests only read it: their outputs go to their own tmp_path."""
    from shared_kit import built_once

    d = built_once(tmp_path_factory, "autotune_dead", build_tuned_case)
    return d / "dead.qft", f"folder:{d / 'data'}"


SKEWED = ("block0_dw",)


def _skewed_v2():
    """The tiny QF MobileNetV2 with channel 0 of the depthwise convs of :data:`SKEWED` (kernel and bias) x100
    and the next pointwise conv's input channel 0 /100 (bench/bench_autotune_100x.py on a tiny model, one
    layer): the same float function, but that depthwise output's int8 range must cover the x100 channel, and
    the 1x channels fall between its few steps; 16x8 activations there (and in the pointwise conv reading
    them) keep them."""
    import keras

    from core.models import QFConfig, build

    keras.utils.set_random_seed(2)
    m = data_init_bn(build("mobilenet-v2", width=0.35, qf=QFConfig.full(), name="skewed"))
    for name in SKEWED:
        dw, pw = m.get_layer(name), m.get_layer(name.replace("_dw", "_project"))
        w = dw.get_weights()
        w[0][:, :, 0, :] *= 100.0
        if len(w) > 1:
            w[1][0] *= 100.0
        dw.set_weights(w)
        p = pw.get_weights()
        p[0][:, :, 0, :] /= 100.0
        pw.set_weights(p)
    return m, [layer for layer in m.layers if type(layer).__name__ == "Dense"][-1]


def build_case(d, which: str = "dead"):
    """``build_tuned_case`` for ``which``: ``dead`` (the dead-channel V1) or ``skewed`` (the x100 V2)."""
    return build_tuned_case(d, _skewed_v2 if which == "skewed" else _dead_channel_model, which)
