"""Layer helpers shared by the MobileNet builders.

Every layer gets a stable, readable name (``block3_dw``, ``block3_dw_bn`` ...) so
that plans, reports and the GUI can show where a tensor comes from.
"""

from __future__ import annotations

from .qf_config import QFConfig


def _keras():
    import keras  # imported lazily: building a model is the first TF cost a user pays

    return keras


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round channel counts as the reference MobileNets do (multiple of 8, never -10%)."""
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def activation(x, name: str, qf: QFConfig):
    """ReLU6 in the original MobileNets, ReLU with QF change 2."""
    keras = _keras()
    if qf.relu:
        return keras.layers.ReLU(name=name)(x)
    return keras.layers.ReLU(6.0, name=name)(x)


def conv_bn_act(x, filters: int, kernel: int, stride: int, name: str, qf: QFConfig, act: bool = True):
    keras = _keras()
    x = keras.layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False, name=name)(x)
    x = keras.layers.BatchNormalization(name=f"{name}_bn", momentum=0.99, epsilon=1e-3)(x)
    if act:
        x = activation(x, f"{name}_relu", qf)
    return x


def depthwise(x, stride: int, name: str, qf: QFConfig):
    """Depthwise 3x3 conv; with QF change 1 it feeds the pointwise conv directly."""
    keras = _keras()
    reg = keras.regularizers.L2(qf.dw_l2) if qf.dw_l2 > 0 else None
    x = keras.layers.DepthwiseConv2D(
        3,
        strides=stride,
        padding="same",
        use_bias=qf.no_dw_bn_relu,
        depthwise_regularizer=reg,
        name=name,
    )(x)
    if not qf.no_dw_bn_relu:
        x = keras.layers.BatchNormalization(name=f"{name}_bn", momentum=0.99, epsilon=1e-3)(x)
        x = activation(x, f"{name}_relu", QFConfig())  # original block: always ReLU6 here
    return x


def classifier_head(x, classes: int, dropout: float):
    keras = _keras()
    x = keras.layers.GlobalAveragePooling2D(name="global_pool")(x)
    if dropout > 0:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    x = keras.layers.Dense(classes, name="logits")(x)
    return keras.layers.Softmax(name="softmax")(x)
