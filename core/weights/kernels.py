"""The plan's view of a model's kernels: each folded kernel and its channels' output variance.

:func:`kernel_stats` feeds :meth:`core.plan.Plan.attach_kernels`, so weight choosers, a clip of
one channel and the weight error estimates (``qftune ranges --weights``) see exactly the
kernels the export quantizes (``core.models.bn_fold.folded_weights``).
"""

from __future__ import annotations

import numpy as np

from ..plan.weight_entry import KernelStats


def kernel_stats(model, folded=None) -> dict[str, KernelStats]:
    """``{layer: KernelStats}`` for every Conv2D/DepthwiseConv2D/Dense of ``model``.

    The output variance of a channel is its folded BatchNorm's ``gamma^2 var / (var + eps)``
    (the variance of the BN output over the training data); None for a layer without BN.
    """
    from ..models.bn_fold import foldable_pairs, folded_weights
    from .ranges import _bn_stats

    params, _ = folded if folded is not None else folded_weights(model)
    pairs = foldable_pairs(model)
    out = {}
    for name, (kernel, _bias) in params.items():
        variance = None
        if name in pairs:
            scale, var = _bn_stats(model.get_layer(pairs[name]))
            variance = np.asarray(scale, np.float64) ** 2 * np.asarray(var, np.float64)
        out[name] = KernelStats(type(model.get_layer(name)).__name__, np.asarray(kernel, np.float32), variance)
    return out
