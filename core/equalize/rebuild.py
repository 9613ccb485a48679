"""The equalized Keras model: the BN-folded graph with new weights, ReLU6 -> ReLU where equalized."""

from __future__ import annotations

import numpy as np

from ..models.bn_fold import walk_nodes


def rebuild(folded_model, params: dict[str, list], relu_layers: set[str] = frozenset(), name: str | None = None):
    """A new functional model computing ``folded_model``'s graph with ``params`` (layer -> [kernel, bias|None])
    for its weighted layers and a plain ReLU in place of each ReLU6 layer named in ``relu_layers``.
    Layer names are kept, so plans and reports name the same layers."""
    import keras

    tensors: dict[int, object] = {}
    new_inputs = []
    for inp in folded_model.inputs:
        x = keras.Input(shape=inp.shape[1:], dtype=inp.dtype, name=inp._keras_history.operation.name)
        tensors[id(inp)] = x
        new_inputs.append(x)
    clones: dict[str, object] = {}
    for node in walk_nodes(folded_model):
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
        for o, n in zip(node.outputs, keras.tree.flatten(y), strict=True):
            tensors[id(o)] = n
    outputs = [tensors[id(t)] for t in folded_model.outputs]
    inputs = new_inputs if len(new_inputs) > 1 else new_inputs[0]   # a tensor, as callers pass it
    return keras.Model(inputs, outputs if len(outputs) > 1 else outputs[0], name=name or folded_model.name)
