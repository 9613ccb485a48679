"""Walking and re-creating a functional Keras graph: the one place that touches Keras's node internals.

- :func:`walk_nodes`: the call nodes of a model in execution order;
- :func:`inbound_layers`: the layers feeding a layer;
- :func:`rebuild`: a new functional model made by replaying every node onto new tensors through
  a callback, the input names, shapes and dtypes kept. Load-time normalization
  (:mod:`core.models.normalize`), BatchNorm folding (:mod:`core.models.bn_fold`) and the
  equalized model (:mod:`core.equalize.rebuild`) are each one such callback.
"""

from __future__ import annotations

from collections.abc import Callable


def walk_nodes(model):
    """The call nodes of a functional model in execution order (inputs excluded)."""
    by_depth = model._nodes_by_depth
    for depth in sorted(by_depth, reverse=True):
        for node in by_depth[depth]:
            if node.operation is not None and not node.is_input:
                yield node


def inbound_layers(layer) -> list:
    """The layers feeding ``layer`` in a functional model."""
    out = []
    for node in layer._inbound_nodes:
        for t in node.input_tensors:
            out.append(t._keras_history.operation)
    return out


def replay(model, tensors: dict, on_node: Callable) -> list:
    """Replay ``model``'s nodes in order: ``on_node(node, tensors)`` returns the new output(s) of
    ``node`` (``tensors`` maps ``id(old tensor)`` to its new tensor; ``node.arguments.fill_in(tensors)``
    gives the call's new arguments); returns the new tensors of ``model.outputs``."""
    import keras

    for node in walk_nodes(model):
        y = on_node(node, tensors)
        for old, new in zip(node.outputs, keras.tree.flatten(y), strict=True):
            tensors[id(old)] = new
    return [tensors[id(t)] for t in model.outputs]


def rebuild(model, on_node: Callable, name: str | None = None, input_name: Callable[[str], str] = str):
    """A new functional model: new inputs like ``model``'s (named ``input_name(old name)``), every
    node replayed through ``on_node`` (see :func:`replay`), named ``name`` or ``model.name``.
    One input is passed as a tensor, not a list of one (callers pass a tensor; Keras warns otherwise)."""
    import keras

    tensors: dict[int, object] = {}
    new_inputs = []
    for inp in model.inputs:
        x = keras.Input(shape=inp.shape[1:], dtype=inp.dtype, name=input_name(inp._keras_history.operation.name))
        tensors[id(inp)] = x
        new_inputs.append(x)
    outs = replay(model, tensors, on_node)
    return keras.Model(new_inputs if len(new_inputs) > 1 else new_inputs[0], outs if len(outs) > 1 else outs[0],
                       name=name or model.name)


__all__ = ["walk_nodes", "inbound_layers", "replay", "rebuild"]
