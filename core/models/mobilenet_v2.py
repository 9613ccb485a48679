"""MobileNetV2 (Sandler et al. 2018), original or quantization-friendly.

Stride plan: the reference network targets 224 px (stem stride 2, total stride 32).
For inputs of 32 px and below (Fashion-MNIST, CIFAR) the stem runs at stride 1
and only three blocks downsample, so a 28 px image ends at 4x4 rather than 1x1:

    size > 32 : stem s2, strides of the 7 stages 1,2,2,2,1,2,1  (total 32)
    size <= 32: stem s1, strides of the 7 stages 1,1,2,2,1,2,1  (total 8)
"""

from __future__ import annotations

from .blocks import _keras, classifier_head, conv_bn_act, depthwise, make_divisible
from .qf_config import QFConfig

# (expansion t, output channels c, repeats n, first stride s)
STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))
SMALL_STRIDES = (1, 2, 2, 2, 1, 1, 1)


def inverted_residual(x, in_ch: int, t: int, out_ch: int, stride: int, name: str, qf: QFConfig):
    keras = _keras()
    inp = x
    if t != 1:
        x = conv_bn_act(x, in_ch * t, 1, 1, f"{name}_expand", qf)
    x = depthwise(x, stride, f"{name}_dw", qf)
    x = conv_bn_act(x, out_ch, 1, 1, f"{name}_project", qf, act=False)  # linear bottleneck
    if stride == 1 and in_ch == out_ch:
        x = keras.layers.Add(name=f"{name}_add")([inp, x])
    return x


def build_mobilenet_v2(
    input_size: int = 28,
    input_channels: int = 1,
    classes: int = 10,
    width: float = 1.0,
    qf: QFConfig | None = None,
    dropout: float = 0.2,
    last_channels: int | None = None,
    name: str | None = None,
):
    keras = _keras()
    qf = qf or QFConfig()
    small = input_size <= 32
    strides = SMALL_STRIDES if small else tuple(s for *_, s in STAGES)
    inputs = keras.Input((input_size, input_size, input_channels), name="image")
    ch = make_divisible(32 * width)
    x = conv_bn_act(inputs, ch, 3, 1 if small else 2, "stem", qf)
    block = 0
    for (t, c, n, _), s in zip(STAGES, strides, strict=True):
        out_ch = make_divisible(c * width)
        for i in range(n):
            x = inverted_residual(x, ch, t, out_ch, s if i == 0 else 1, f"block{block}", qf)
            ch = out_ch
            block += 1
    if last_channels is None:
        last_channels = make_divisible(1280 * width) if width > 1.0 else 1280
    x = conv_bn_act(x, last_channels, 1, 1, "head", qf)
    outputs = classifier_head(x, classes, dropout)
    tag = "qf" if not qf.is_original else "orig"
    return keras.Model(inputs, outputs, name=name or f"mobilenet_v2_{tag}")
