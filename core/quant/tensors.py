"""The tensors an exported int8 .tflite will carry, derived from a Keras model.

TFLite fuses a conv/depthwise/dense with its BatchNorm (folded into the weights)
and its ReLU/ReLU6 into one op with one int8 output, and drops Dropout at
inference. This module walks a functional Keras model in graph order and groups
layers into such *chains*; each chain is one :class:`QTensor`: the tensor that
gets a FakeQuant node at export and a histogram at calibration.

Constraints from the TFLite int8 spec (REFERENCE.md section 3):
- ops whose output shares scale/zero point with their input (pooling, reshape,
  concatenation, ...) put input and output in one *tied group*;
- ops with a fixed output quantization (softmax, logistic, tanh) are *locked*.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Keras layer class -> TFLite op kind, for layers that start a chain
COMPUTE_OPS = {
    "Conv2D": "CONV_2D",
    "DepthwiseConv2D": "DEPTHWISE_CONV_2D",
    "Dense": "FULLY_CONNECTED",
    "Add": "ADD",
    "Subtract": "SUB",
    "Multiply": "MUL",
    "GlobalAveragePooling2D": "MEAN",
    "AveragePooling2D": "AVERAGE_POOL_2D",
    "MaxPooling2D": "MAX_POOL_2D",
    "Concatenate": "CONCATENATION",
    "Reshape": "RESHAPE",
    "Flatten": "RESHAPE",
    "ZeroPadding2D": "PAD",
    "Softmax": "SOFTMAX",
    "Maximum": "MAXIMUM",
    "Minimum": "MINIMUM",
}
# layers folded into the op before them (absorbed into the chain)
FUSABLE = {"BatchNormalization", "ReLU", "Dropout", "Activation"}
FUSABLE_ACTIVATIONS = {"relu", "relu6", "linear"}
# output shares scale and zero point with the (first) input
TIED_OPS = {"AVERAGE_POOL_2D", "MAX_POOL_2D", "CONCATENATION", "RESHAPE", "PAD", "MAXIMUM", "MINIMUM"}
# fixed output quantization: (scale, zero_point) as TFLite int8 stores them
LOCKED_OPS = {
    "SOFTMAX": (1.0 / 256.0, -128),
    "LOGISTIC": (1.0 / 256.0, -128),
    "TANH": (1.0 / 128.0, 0),
}
WEIGHTED_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"}


class UnsupportedLayerError(ValueError):
    """Layers the FakeQuant export path cannot cover, each with the reason."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        lines = "\n".join(f"  {name}: {reason}" for name, reason in problems)
        super().__init__(f"{len(problems)} layer(s) cannot be quantized by qftune:\n{lines}")


@dataclass
class QTensor:
    """One int8 tensor of the exported model."""

    name: str                   # the chain's first layer (``block3_expand``) or ``image`` for the input
    index: int                  # position in graph order
    op: str                     # TFLite op kind that produces it (``INPUT`` for the input)
    layers: list[str]           # Keras layers fused into this op, first to last
    shape: tuple                # output shape without the batch dimension
    inputs: list[str] = field(default_factory=list)   # names of the QTensors it reads
    group: str = ""             # tied-group id: tensors with one scale/zero point share it
    locked: str | None = None   # why the range cannot be edited, or None
    activation: str = "linear"  # fused activation: relu, relu6 or linear

    @property
    def output_layer(self) -> str:
        """The Keras layer whose output is this tensor (where FakeQuant goes)."""
        return self.layers[-1]

    @property
    def locked_params(self):
        return LOCKED_OPS.get(self.op)

    def to_dict(self) -> dict:
        return {"name": self.name, "index": self.index, "op": self.op, "layers": list(self.layers),
                "shape": list(self.shape), "inputs": list(self.inputs), "group": self.group,
                "locked": self.locked, "activation": self.activation}

    @classmethod
    def from_dict(cls, d: dict) -> "QTensor":
        return cls(d["name"], int(d["index"]), d["op"], list(d["layers"]), tuple(d["shape"]),
                   list(d.get("inputs", [])), d.get("group", ""), d.get("locked"), d.get("activation", "linear"))


def _op_of(layer) -> str | None:
    cls = type(layer).__name__
    if cls == "Activation":
        act = layer.get_config().get("activation")
        if act == "softmax":
            return "SOFTMAX"
        if act == "sigmoid":
            return "LOGISTIC"
        if act == "tanh":
            return "TANH"
        return None
    return COMPUTE_OPS.get(cls)


def _activation_of(layer) -> str | None:
    """'relu'/'relu6'/'linear' for a fusable layer, None if it is not an activation."""
    cls = type(layer).__name__
    if cls == "ReLU":
        cfg = layer.get_config()
        if cfg.get("negative_slope", 0) or cfg.get("threshold", 0):
            return "unsupported"
        mv = cfg.get("max_value")
        if mv is None:
            return "relu"
        return "relu6" if float(mv) == 6.0 else "unsupported"
    if cls == "Activation":
        act = layer.get_config().get("activation")
        return act if act in FUSABLE_ACTIVATIONS else "unsupported"
    return None


def inbound_layers(layer) -> list:
    """The layers feeding ``layer`` in a functional model."""
    out = []
    for node in layer._inbound_nodes:
        for t in node.input_tensors:
            out.append(t._keras_history.operation)
    return out


def _consumers(model) -> dict:
    cons: dict[str, list] = {}
    for layer in model.layers:
        for src in inbound_layers(layer):
            cons.setdefault(src.name, []).append(layer)
    return cons


def _own_activation(layer) -> str:
    act = layer.get_config().get("activation", "linear") if hasattr(layer, "activation") else "linear"
    return act if isinstance(act, str) else "linear"


def quant_tensors(model) -> list[QTensor]:
    """Derive the int8 tensors of ``model`` in graph order; raise
    :class:`UnsupportedLayerError` naming every layer the export cannot cover."""
    if not hasattr(model, "_inbound_nodes") or len(model.inputs) != 1:
        raise UnsupportedLayerError([(model.name, "only functional Keras models with one input are supported")])
    consumers = _consumers(model)
    owner: dict[str, str] = {}   # keras layer name -> QTensor name whose output it produces/continues
    tensors: list[QTensor] = []
    problems: list[tuple[str, str]] = []
    by_name: dict[str, QTensor] = {}

    for layer in model.layers:
        cls = type(layer).__name__
        if cls == "InputLayer":
            q = QTensor(layer.name, len(tensors), "INPUT", [layer.name], tuple(layer.output.shape[1:]))
            tensors.append(q)
            by_name[q.name] = q
            owner[layer.name] = q.name
            continue
        sources = inbound_layers(layer)
        op = _op_of(layer)
        fusable = cls in FUSABLE or (cls == "Activation" and op is None)
        if fusable:
            src = sources[0]
            chain = by_name.get(owner.get(src.name, ""))
            act = _activation_of(layer)
            if act == "unsupported":
                problems.append((layer.name, f"{cls} {layer.get_config().get('activation', '')} cannot be fused into an int8 op "
                                 "(only ReLU, ReLU6 and linear)"))
                continue
            single = len(consumers.get(src.name, [])) == 1
            if chain is None or not single:
                problems.append((layer.name, f"{cls} does not directly follow a single-consumer op it can fuse into"))
                continue
            if cls == "BatchNormalization":
                if chain.op not in WEIGHTED_OPS or len(chain.layers) > 1:
                    problems.append((layer.name, "BatchNormalization can only be folded into the conv/dense right before it"))
                    continue
            if act in ("relu", "relu6"):
                if chain.activation != "linear" or chain.op not in WEIGHTED_OPS | {"ADD"}:
                    problems.append((layer.name, f"{act} after {chain.op} {chain.name} cannot be fused"))
                    continue
                chain.activation = act
            chain.layers.append(layer.name)
            chain.shape = tuple(layer.output.shape[1:])
            owner[layer.name] = chain.name
            continue
        if op is None:
            problems.append((layer.name, f"layer type {cls} has no int8 FakeQuant export path in qftune"))
            continue
        if op in WEIGHTED_OPS and _own_activation(layer) not in ("linear", "relu"):
            problems.append((layer.name, f"built-in activation {_own_activation(layer)!r} cannot be fused"))
            continue
        q = QTensor(layer.name, len(tensors), op, [layer.name], tuple(layer.output.shape[1:]),
                    inputs=[owner[s.name] for s in sources if s.name in owner])
        if op in WEIGHTED_OPS and _own_activation(layer) == "relu":
            q.activation = "relu"
        if op in LOCKED_OPS:
            scale, zp = LOCKED_OPS[op]
            q.locked = f"{op} output has a fixed int8 quantization (scale {scale:g}, zero point {zp}) in TFLite"
        tensors.append(q)
        by_name[q.name] = q
        owner[layer.name] = q.name

    if problems:
        raise UnsupportedLayerError(problems)

    # tied groups: union-find over (op output, its inputs) for the ops that share quantization
    parent = {t.name: t.name for t in tensors}

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for t in tensors:
        if t.op in TIED_OPS:
            for src in t.inputs:
                parent[find(src)] = find(t.name)
    for t in tensors:
        t.group = find(t.name)
    return tensors


def tied_groups(tensors: list[QTensor]) -> dict[str, list[str]]:
    """Group id -> names of the tensors in it (only groups with more than one member)."""
    groups: dict[str, list[str]] = {}
    for t in tensors:
        groups.setdefault(t.group, []).append(t.name)
    return {g: names for g, names in groups.items() if len(names) > 1}
