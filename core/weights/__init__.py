"""Weights as the int8 model stores them: folded per-channel ranges and what per-tensor scaling does to them."""

from .compare import largest_difference, matched_layers
from .kernels import kernel_stats
from .mechanism import mechanism, totals, totals_line
from .ranges import LayerWeights, layer_weights, model_weights, per_tensor_step

__all__ = ["LayerWeights", "kernel_stats", "largest_difference", "layer_weights", "matched_layers", "mechanism", "model_weights",
           "per_tensor_step", "totals", "totals_line"]
