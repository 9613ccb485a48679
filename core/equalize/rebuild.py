"""The equalized Keras model: the BN-folded graph with new weights, ReLU6 -> ReLU where equalized."""

from __future__ import annotations

import numpy as np

from ..keras_graph import rebuild as graph_rebuild


def rebuild(folded_model, params: dict[str, list], relu_layers: set[str] = frozenset(), name: str | None = None):
    """A new functional model computing ``folded_model``'s graph with ``params`` (layer -> [kernel, bias|None])
    for its weighted layers and a plain ReLU in place of each ReLU6 layer named in ``relu_layers``.
    Layer names are kept, so plans and reports name the same layers."""
    clones: dict[str, object] = {}

    def on_node(node, tensors):
        layer = node.operation
        new = clones.get(layer.name)
        fresh = new is None
        if fresh:
            cfg = layer.get_config()
            cls = type(layer)
            if layer.name in relu_layers:
                if type(layer).__name__ == "ReLU":
                    cfg["max_value"] = None
                else:
                    cfg["activation"] = "relu"
            if layer.name in params and params[layer.name][1] is not None:
                cfg["use_bias"] = True
            new = clones[layer.name] = cls.from_config(cfg)
        args, kwargs = node.arguments.fill_in(tensors)
        y = new(*args, **kwargs)
        if fresh:
            if layer.name in params:
                k, b = params[layer.name]
                new.set_weights([np.asarray(k, np.float32)] + ([] if b is None else [np.asarray(b, np.float32)]))
            elif layer.weights:
                new.set_weights(layer.get_weights())
        return y

    return graph_rebuild(folded_model, on_node, name=name)
