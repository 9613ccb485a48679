"""Weights as the int8 model stores them: folded per-channel ranges and what per-tensor scaling does to them."""

from .ranges import LayerWeights, layer_weights, model_weights, per_tensor_step

__all__ = ["LayerWeights", "layer_weights", "model_weights", "per_tensor_step"]
