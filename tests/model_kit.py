"""Model helpers the tests import (``from model_kit import ...``: pytest puts tests/, the folder
of the top conftest.py, on sys.path). ``data_init_bn`` is the one BatchNorm data-init of the tests.

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


def all_layers(model):
    """Every layer of ``model``, nested models' layers included (depth first)."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from all_layers(layer)


def data_init_bn(model, x=None):
    """Set every BatchNorm's moving statistics (nested models included) to the batch statistics of ``x``
    (default: the embedded calibration images in the model's input form), so activations have realistic
    ranges: an untrained net with default statistics has activations that vanish or explode with depth."""
    if x is None:
        from core.data import load_dataset, to_model_input

        x = to_model_input(load_dataset("embedded").images, model.input_shape)
    bns = [layer for layer in all_layers(model) if type(layer).__name__ == "BatchNormalization"]
    saved = [layer.momentum for layer in bns]
    for layer in bns:
        layer.momentum = 0.0
    model(x, training=True)
    for layer, m in zip(bns, saved, strict=True):
        layer.momentum = m
    return model
