"""The int8 weight grid: symmetric, narrow range ``[-127, 127]``, one range per output channel
(TFLite's channel axis) or per tensor, exactly as the export's FakeQuant rounds a kernel.

Used by the export's forward pass (:mod:`core.export.graph`), the sensitivity switch and bias
correction (:mod:`core.equalize.bias_correction`), which must round kernels as the export does.
"""

from __future__ import annotations

import numpy as np

WEIGHT_QMAX = 127           # symmetric int8 weights, narrow range [-127, 127]
MIN_WEIGHT_RANGE = 1e-8     # an all-zero kernel (channel) still needs a non-zero range



def weight_ranges(layer_cls: str, kernel: np.ndarray, granularity: str) -> np.ndarray:
    """max|w| per output channel (or one value), floored at :data:`MIN_WEIGHT_RANGE`.

    Channel axis as TFLite stores it: CONV_2D output channels, DEPTHWISE_CONV_2D input
    channels (depth multiplier 1); FULLY_CONNECTED is always per tensor.
    """
    k = np.abs(np.asarray(kernel, np.float32))
    if granularity == "per-tensor" or layer_cls == "Dense":
        m = np.array([k.max()], np.float32)
    elif layer_cls == "DepthwiseConv2D":
        m = k.max(axis=(0, 1, 3))
    else:
        m = k.reshape(-1, k.shape[-1]).max(axis=0)
    return np.maximum(m, np.float32(MIN_WEIGHT_RANGE)).astype(np.float32)


def stored_weight_scale(m) -> np.ndarray:
    """The float32 scale(s) TFLite stores for a kernel fake-quantized on ``[-m, m]``, narrow range.

    FakeQuant nudges ``[-m, m]`` onto the 254-step grid in float32 (``s = 2m / 254``, zero
    point exactly 128); the converter stores that ``s`` (measured bit-exact, see
    tests/export/test_weight_plan_export.py)."""
    m = np.asarray(m, np.float32)
    return (np.float32(2.0) * m / np.float32(254.0)).astype(np.float32)


def expected_weight_scales(layer_cls: str, kernel: np.ndarray, granularity: str) -> np.ndarray:
    """The float32 scales TFLite stores for the kernel: max|w| / 127 (FakeQuant nudging, narrow range)."""
    return stored_weight_scale(weight_ranges(layer_cls, kernel, granularity))


def fake_quant_kernel(tf, layer_cls: str, kernel: np.ndarray, granularity: str, m=None):
    """The kernel as a TF tensor through FakeQuant on ``[-m, m]``, narrow range, per tensor or per
    channel (one ``m`` per channel); ``m`` defaults to max|w| at ``granularity``."""
    m = weight_ranges(layer_cls, kernel, granularity) if m is None else np.asarray(m, np.float32)
    k = tf.constant(np.asarray(kernel, np.float32))
    if len(m) == 1:
        return tf.quantization.fake_quant_with_min_max_vars(k, tf.constant(-m[0]), tf.constant(m[0]),
                                                            num_bits=8, narrow_range=True)
    if layer_cls == "DepthwiseConv2D":   # (kh, kw, C, 1): put C last for the per-channel op
        kh, kw, c, mult = kernel.shape
        kt = tf.reshape(k, (kh, kw, 1, c * mult))
        q = tf.quantization.fake_quant_with_min_max_vars_per_channel(kt, tf.constant(-m), tf.constant(m),
                                                                     num_bits=8, narrow_range=True)
        return tf.reshape(q, (kh, kw, c, mult))
    return tf.quantization.fake_quant_with_min_max_vars_per_channel(k, tf.constant(-m), tf.constant(m),
                                                                    num_bits=8, narrow_range=True)


__all__ = ["WEIGHT_QMAX", "MIN_WEIGHT_RANGE", "weight_ranges", "stored_weight_scale", "expected_weight_scales",
           "fake_quant_kernel"]
