"""A trainable kernel fake-quantized exactly as the export will quantize it, with a straight-through gradient.

The export takes each kernel's symmetric clip ``m`` from the plan's entry
(:func:`core.plan.weight_entry.weight_quant_params`): the entry's clip(s) when it has one, else
max|w| of the (folded) kernel at the entry's granularity (the run's ``weights`` default when the
entry has none; Dense always per tensor). Here the same ``m`` is computed from the kernel variable
at every step (a clip stays a constant; max|w| follows the trained weights and is not
differentiated), and the kernel goes through the export's own op,
``fake_quant_with_min_max_vars[_per_channel](narrow_range=True)``, whose gradient passes through
unchanged inside ``[-m, m]`` and is zero for clipped weights: the straight-through estimator.
"""

from __future__ import annotations

import numpy as np

from ..plan.weight_entry import effective_granularity
from ..quant.weight_grid import MIN_WEIGHT_RANGE


def kernel_spec(plan, layer: str, kind: str, kernel: np.ndarray, default_granularity: str):
    """``(granularity, clip or None)`` for ``layer``: the clip is a float32 array when the plan fixes
    it, None when the export takes max|w| of the kernel it is given."""
    from ..plan.weight_entry import weight_quant_params

    gran, m, _ = weight_quant_params(plan, layer, kind, kernel, default_granularity)
    entry = plan.weights.get(layer) if plan is not None else None
    if entry is None or entry.clip is None:
        return gran, None
    return gran, np.asarray(m, np.float32)


def _abs_max(tf, kind: str, w, granularity: str):
    a = tf.abs(w)
    if granularity == "per-tensor" or kind == "Dense":
        m = tf.reshape(tf.reduce_max(a), [1])
    elif kind == "DepthwiseConv2D":           # (kh, kw, C, mult): channel = C
        m = tf.reduce_max(a, axis=[0, 1, 3])
    else:                                     # Conv2D (kh, kw, in, out): channel = out
        m = tf.reduce_max(tf.reshape(a, [-1, tf.shape(a)[-1]]), axis=0)
    return tf.maximum(m, MIN_WEIGHT_RANGE)


def fake_quant_variable(tf, kind: str, w, granularity: str, clip=None):
    """``w`` (a kernel variable) through the export's FakeQuant on ``[-m, m]`` (see the module docstring)."""
    granularity = effective_granularity(kind, granularity)
    m = tf.constant(clip) if clip is not None else tf.stop_gradient(_abs_max(tf, kind, w, granularity))
    if m.shape[0] == 1:
        return tf.quantization.fake_quant_with_min_max_vars(w, -m[0], m[0], num_bits=8, narrow_range=True)
    if kind == "DepthwiseConv2D":
        kh, kw, c, mult = w.shape
        q = tf.quantization.fake_quant_with_min_max_vars_per_channel(tf.reshape(w, (kh, kw, 1, c * mult)), -m, m,
                                                                     num_bits=8, narrow_range=True)
        return tf.reshape(q, (kh, kw, c, mult))
    return tf.quantization.fake_quant_with_min_max_vars_per_channel(w, -m, m, num_bits=8, narrow_range=True)
