"""The model as a graph: the plan's int8 tensors as the .tflite runs them, laid out top to bottom,
with per-node metrics (the GUI's Graph dock and ``qftune explore``'s Model Explorer overlays)."""

from .layout import Layout, layout_graph
from .metrics import METRICS, Metric, metric_values, normalise
from .model import GraphNode, ModelGraph, model_graph

__all__ = ["GraphNode", "Layout", "METRICS", "Metric", "ModelGraph", "layout_graph", "metric_values", "model_graph",
           "normalise"]
