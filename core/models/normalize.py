"""Rewrite a Keras model into one flat graph of layers that the int8 walkers understand.

Done once at load time (:func:`core.models.loading.load_model`); the result computes
the same function as the file's model, layer names kept:

- nested models (a fine-tuned ``Sequential([base, Dense(5)])`` or
  ``Model(inp, head(base(inp)))``) are inlined: their layers are re-created on the
  outer graph's tensors with the same weights;
- arithmetic written with Keras ops on tensors (MobileNetV3's ``hard_sigmoid``:
  ``ReLU(6)(x + 3) * (1/6)``) becomes :class:`OpLayer` layers, so every int8 tensor of
  the TFLite model is the output of a named layer (``model.get_layer(name).output``);
  ``keras.ops.relu``/``relu6``/``hard_silu``/``sigmoid`` nodes become ReLU/Activation layers;
- a Conv2D/DepthwiseConv2D/Dense with a built-in activation TFLite cannot fuse
  (softmax, hard_silu, sigmoid, ...) is split into the linear layer (same name) and an
  Activation layer ``<name>_<activation>``, because the converter emits two ops with two
  int8 tensors (FULLY_CONNECTED then SOFTMAX);
- ``hard_sigmoid`` (an Activation layer or a split-off built-in one) is spelled as the
  converter emits it: ADD 3 with a fused RELU6, then MUL 1/6 (two int8 tensors).

A model that needs none of this is returned unchanged.
"""

from __future__ import annotations

from ..keras_graph import rebuild, replay

FUSABLE_BUILTIN = ("linear", "relu", "relu6")
WEIGHTED = ("Conv2D", "DepthwiseConv2D", "Dense")
# keras.ops classes -> the TFLite op the converter emits for them (with a tensor or constant operand)
OP_KINDS = {"Add": "ADD", "Subtract": "SUB", "Multiply": "MUL", "TrueDivide": "MUL", "Divide": "MUL"}
OP_ACTIVATIONS = {"Relu": "relu", "Relu6": "relu6", "HardSilu": "hard_silu", "HardSwish": "hard_silu",
                  "Sigmoid": "sigmoid", "Softmax": "softmax", "Tanh": "tanh", "HardSigmoid": "hard_sigmoid"}


def _keras():
    import keras

    return keras


class _Slot:
    """Where the i-th tensor input goes in a recorded op call."""

    def __init__(self, i):
        self.i = i


def _template(obj, ids):
    if isinstance(obj, (list, tuple)):
        return type(obj)(_template(o, ids) for o in obj)
    if isinstance(obj, dict):
        return {k: _template(v, ids) for k, v in obj.items()}
    if id(obj) in ids:
        return _Slot(ids[id(obj)])
    return obj


def _fill(obj, values):
    if isinstance(obj, (list, tuple)):
        return type(obj)(_fill(o, values) for o in obj)
    if isinstance(obj, dict):
        return {k: _fill(v, values) for k, v in obj.items()}
    if isinstance(obj, _Slot):
        return values[obj.i]
    return obj


def _make_op_layer_cls():
    keras = _keras()

    class OpLayer(keras.layers.Layer):
        """A recorded Keras op call (``x + 3.0``, ``a * b``) as a layer; ``kind`` is its TFLite op."""

        def __init__(self, op=None, template=None, kind=None, **kwargs):
            super().__init__(**kwargs)
            self.op = op
            self.template = template
            self.kind = kind

        def call(self, *inputs):
            args, kwargs = _fill(self.template, list(inputs))
            return self.op.call(*args, **kwargs)

        def compute_output_spec(self, *inputs):
            args, kwargs = _fill(self.template, list(inputs))
            return self.op.compute_output_spec(*args, **kwargs)

        def get_config(self):   # not serialisable: the normalized model lives only in memory
            cfg = super().get_config()
            cfg.update(kind=self.kind)
            return cfg

    return OpLayer


_OP_LAYER = None


def op_layer_cls():
    global _OP_LAYER
    if _OP_LAYER is None:
        _OP_LAYER = _make_op_layer_cls()
    return _OP_LAYER


def _is_model(layer) -> bool:
    keras = _keras()
    return isinstance(layer, keras.Model)


def _builtin(layer) -> str:
    act = layer.get_config().get("activation", "linear") if type(layer).__name__ in WEIGHTED else "linear"
    return act if isinstance(act, str) else "linear"


def needs_normalizing(model) -> bool:
    keras = _keras()
    if type(model).__name__ == "Sequential":
        return True
    for layer in model.layers:
        if _is_model(layer):
            return True
        if _builtin(layer) not in FUSABLE_BUILTIN:
            return True
        if type(layer).__name__ == "Activation" and layer.get_config().get("activation") == "hard_sigmoid":
            return True
    by_depth = getattr(model, "_nodes_by_depth", {})
    for nodes in by_depth.values():
        for node in nodes:
            if node.operation is not None and not isinstance(node.operation, keras.layers.Layer):
                return True
    return False


class _Builder:
    def __init__(self):
        self.used: set[str] = set()

    def name(self, want: str) -> str:
        name, k = want, 1
        while name in self.used:
            name, k = f"{want}_{k}", k + 1
        self.used.add(name)
        return name

    # -- one layer call on new tensors --------------------------------------------------
    def call_layer(self, layer, args, kwargs):
        keras = _keras()
        cls = type(layer).__name__
        kwargs = {k: v for k, v in kwargs.items() if k != "training"}
        if _is_model(layer):
            return self.inline(layer, args, kwargs)
        act = _builtin(layer)
        cfg = layer.get_config()
        if cls in WEIGHTED and act not in FUSABLE_BUILTIN:
            cfg = dict(cfg, activation="linear")
        if cls == "Activation" and cfg.get("activation") == "hard_sigmoid":
            return self.hard_sigmoid(args[0], layer.name)
        cfg["name"] = self.name(layer.name)
        try:
            new = type(layer).from_config(cfg)
        except Exception:   # noqa: BLE001 - a layer Keras cannot re-create: reuse it (covered or refused later)
            new = layer
        y = new(*args, **kwargs)
        if new is not layer and layer.weights:
            new.set_weights(layer.get_weights())
        if cls in WEIGHTED and act not in FUSABLE_BUILTIN:
            if act == "hard_sigmoid":
                return self.hard_sigmoid(y, f"{layer.name}_{act}")
            y = keras.layers.Activation(act, name=self.name(f"{layer.name}_{act}"))(y)
        return y

    def hard_sigmoid(self, x, name):
        keras = _keras()
        from keras.src.ops.numpy import Add, Multiply

        OpLayer = op_layer_cls()
        y = OpLayer(Add(), ((_Slot(0), 3.0), {}), "ADD", name=self.name(f"{name}_add"))(x)
        y = keras.layers.ReLU(6.0, name=self.name(f"{name}_relu6"))(y)
        y = OpLayer(Multiply(), ((_Slot(0), 1.0 / 6.0), {}), "MUL", name=self.name(name))(y)
        return y

    def call_op(self, node, values):
        """A keras-op node (not a layer) on new tensors."""
        keras = _keras()
        op = node.operation
        cls = type(op).__name__
        ins = [values[id(t)] for t in node.input_tensors]
        if cls in OP_ACTIVATIONS and len(ins) == 1:
            act = OP_ACTIVATIONS[cls]
            if act == "relu":
                return keras.layers.ReLU(name=self.name(op.name))(ins[0])
            if act == "relu6":
                return keras.layers.ReLU(6.0, name=self.name(op.name))(ins[0])
            if act == "hard_sigmoid":
                return self.hard_sigmoid(ins[0], op.name)
            return keras.layers.Activation(act, name=self.name(op.name))(ins[0])
        ids = {id(t): i for i, t in enumerate(node.input_tensors)}
        template = (_template(tuple(node.arguments.args), ids), _template(dict(node.arguments.kwargs), ids))
        kind = OP_KINDS.get(cls)
        if cls in ("TrueDivide", "Divide") and not (len(ins) == 1 and isinstance(template[0][1], (int, float))):
            kind = None   # only division by a constant becomes a MUL
        layer = op_layer_cls()(op, template, kind, name=self.name(op.name))
        return layer(*ins)

    # -- a whole functional graph ---------------------------------------------------------
    def on_node(self, node, values):
        """One node of the graph being flattened, on new tensors (:func:`core.keras_graph.replay`)."""
        if isinstance(node.operation, _keras().layers.Layer):
            args, kwargs = node.arguments.fill_in(values)
            return self.call_layer(node.operation, list(args), dict(kwargs))
        return self.call_op(node, values)

    def inline(self, model, args, kwargs):
        if type(model).__name__ == "Sequential":
            x = args[0]
            for layer in model.layers:
                x = self.call_layer(layer, [x], {})
            return x
        inputs = list(args[0]) if isinstance(args[0], (list, tuple)) else [args[0]]
        if len(inputs) != len(model.inputs):
            raise ValueError(f"nested model {model.name}: called with {len(inputs)} input(s), it has {len(model.inputs)}")
        values = {id(t): x for t, x in zip(model.inputs, inputs, strict=True)}
        outs = replay(model, values, self.on_node)
        return outs[0] if len(outs) == 1 else outs


def normalize(model):
    """The flat, layer-only equivalent of ``model`` (``model`` itself when nothing needs rewriting)."""
    keras = _keras()
    if not needs_normalizing(model):
        return model
    b = _Builder()
    if type(model).__name__ == "Sequential":
        shape = tuple(model.input_shape)
        try:
            in_name = model.inputs[0]._keras_history.operation.name
        except (AttributeError, ValueError, IndexError):
            in_name = "input"
        x = keras.Input(shape=shape[1:], name=b.name(in_name))
        return keras.Model(x, b.inline(model, [x], {}), name=model.name)
    return rebuild(model, b.on_node, input_name=b.name)
