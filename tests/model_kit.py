"""Model helpers the tests import (``from model_kit import ...``: pytest puts tests/, the folder
of the top conftest.py, on sys.path).

``kill_bn_channel`` makes the paper's failure by hand: one channel of a BatchNorm sees a constant
input (moving variance 0), so its folded scale is 1/sqrt(eps) while the others get ``others``'
variance; the tests then check qftune's figures against their own numpy fold.
"""

from __future__ import annotations

import numpy as np


def kill_bn_channel(model, bn_layer: str, channel: int, others: float = 2000.0) -> None:
    """Set ``bn_layer``'s moving variance to ``others`` everywhere and 0 at ``channel``."""
    w = {v.path.split("/")[-1]: v for v in model.get_layer(bn_layer).weights}
    var = np.full(w["moving_variance"].shape, others, np.float32)
    var[channel] = 0.0
    w["moving_variance"].assign(var)
