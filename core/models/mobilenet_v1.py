"""MobileNetV1 (Howard et al. 2017), original or quantization-friendly.

Stride plan: the reference network targets 224 px (stem stride 2, total stride 32).
For inputs of 32 px and below the stem runs at stride 1 and only the first three
downsampling separable blocks keep stride 2 (total stride 8; 28 px -> 4x4).
"""

from __future__ import annotations

from .blocks import _keras, classifier_head, conv_bn_act, depthwise, make_divisible
from .qf_config import QFConfig

# (pointwise output channels, depthwise stride) of the 13 separable blocks
BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
          (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def build_mobilenet_v1(
    input_size: int = 28,
    input_channels: int = 1,
    classes: int = 10,
    width: float = 1.0,
    qf: QFConfig | None = None,
    dropout: float = 1e-3,
    name: str | None = None,
):
    keras = _keras()
    qf = qf or QFConfig()
    small = input_size <= 32
    inputs = keras.Input((input_size, input_size, input_channels), name="image")
    x = conv_bn_act(inputs, make_divisible(32 * width), 3, 1 if small else 2, "stem", qf)
    downsamples = 0
    for i, (c, s) in enumerate(BLOCKS):
        if s == 2:
            downsamples += 1
            if small and downsamples > 3:
                s = 1
        x = depthwise(x, s, f"block{i}_dw", qf)
        x = conv_bn_act(x, make_divisible(c * width), 1, 1, f"block{i}_pw", qf)
    outputs = classifier_head(x, classes, dropout)
    tag = "qf" if not qf.is_original else "orig"
    return keras.Model(inputs, outputs, name=name or f"mobilenet_v1_{tag}")
