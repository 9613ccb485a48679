"""The tensors an exported int8 .tflite will carry, derived from a Keras model.

TFLite fuses a conv/depthwise/dense with its BatchNorm (folded into the weights)
and its ReLU/ReLU6 into one op with one int8 output, and drops Dropout at
inference. This module walks a functional Keras model in graph order and groups
layers into such *chains*; each chain is one :class:`QTensor`: the tensor that
gets a FakeQuant node at export and a histogram at calibration.

Constraints from the TFLite int8 spec (docs/int8-spec.md, section 4):
- ops whose output shares scale/zero point with their input (pooling, reshape,
  concatenation, ...) put input and output in one *tied group*;
- ops with a fixed output quantization (softmax, logistic, tanh) are *locked*.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..keras_graph import inbound_layers
from .affine import affine_params

# Keras layer class -> TFLite op kind, for layers that start a chain
COMPUTE_OPS = {
    "Conv2D": "CONV_2D",
    "DepthwiseConv2D": "DEPTHWISE_CONV_2D",
    "Dense": "FULLY_CONNECTED",
    "Add": "ADD",
    "Subtract": "SUB",
    "Multiply": "MUL",
    "GlobalAveragePooling2D": "MEAN",
    "GlobalMaxPooling2D": "REDUCE_MAX",
    "AveragePooling2D": "AVERAGE_POOL_2D",
    "MaxPooling2D": "MAX_POOL_2D",
    "Concatenate": "CONCATENATION",
    "Reshape": "RESHAPE",
    "Flatten": "RESHAPE",
    "ZeroPadding2D": "PAD",
    "Softmax": "SOFTMAX",
    "Maximum": "MAXIMUM",
    "Minimum": "MINIMUM",
    "Rescaling": "RESCALE",
    "Normalization": "RESCALE",
}
# layers that are the identity at inference: no op, no tensor of their own
IDENTITY = {"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
            "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Identity"}
# layers folded into the op before them (absorbed into the chain)
FUSABLE = {"BatchNormalization", "ReLU", "Activation"}
FUSABLE_ACTIVATIONS = {"relu", "relu6", "linear"}
# ops a following ReLU/ReLU6 is fused into (TFLite's fused_activation_function)
FUSE_INTO = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "SUB", "MUL"}
# Activation layers that are their own op
ACTIVATION_OPS = {"softmax": "SOFTMAX", "sigmoid": "LOGISTIC", "tanh": "TANH", "hard_silu": "HARD_SWISH",
                  "hard_swish": "HARD_SWISH"}
# output shares scale and zero point with the (first) input
TIED_OPS = {"AVERAGE_POOL_2D", "MAX_POOL_2D", "CONCATENATION", "RESHAPE", "PAD", "MAXIMUM", "MINIMUM", "REDUCE_MAX"}
# fixed output quantization: (scale, zero_point) as TFLite int8 stores them
LOCKED_OPS = {
    "SOFTMAX": (1.0 / 256.0, -128),
    "LOGISTIC": (1.0 / 256.0, -128),
    "TANH": (1.0 / 128.0, 0),
}
WEIGHTED_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"}
# a Rescaling/Normalization layer is exported as a 1x1 DEPTHWISE_CONV_2D (one int8 op, per-channel affine)
AFFINE_OPS = {"RESCALE"}


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
    def from_dict(cls, d: dict) -> QTensor:
        return cls(d["name"], int(d["index"]), d["op"], list(d["layers"]), tuple(d["shape"]),
                   list(d.get("inputs", [])), d.get("group", ""), d.get("locked"), d.get("activation", "linear"))


def _op_of(layer) -> str | None:
    cls = type(layer).__name__
    if cls == "Activation":
        return ACTIVATION_OPS.get(layer.get_config().get("activation"))
    if cls == "Softmax":
        axis = layer.get_config().get("axis", -1)
        return "SOFTMAX" if axis in (-1, [-1]) or axis == len(layer.output.shape) - 1 else None
    if cls == "OpLayer":
        return getattr(layer, "kind", None)
    return COMPUTE_OPS.get(cls)


def _activation_of(layer) -> str | None:
    """'relu'/'relu6'/'linear' for an activation layer, 'unsupported' for other ones, None if not one."""
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


def _consumers(model) -> dict:
    cons: dict[str, list] = {}
    for layer in model.layers:
        for src in inbound_layers(layer):
            cons.setdefault(src.name, []).append(layer)
    return cons


def _own_activation(layer) -> str:
    act = layer.get_config().get("activation", "linear") if hasattr(layer, "activation") else "linear"
    return act if isinstance(act, str) else "linear"


def _is_identity(layer) -> bool:
    cls = type(layer).__name__
    return cls in IDENTITY or (cls == "Activation" and layer.get_config().get("activation") == "linear")


def _rescale_problem(layer) -> str | None:
    """Why a Rescaling/Normalization layer is not a per-channel affine map, or None."""
    try:
        affine_params(layer)
    except ValueError as exc:
        return str(exc)
    return None


def quant_tensors(model) -> list[QTensor]:
    """Derive the int8 tensors of ``model`` in graph order; raise
    :class:`UnsupportedLayerError` naming every layer the export cannot cover.

    ``model`` is a flat functional model (see :func:`core.models.normalize.normalize`,
    which :func:`core.models.loading.load_model` applies)."""
    if not hasattr(model, "_inbound_nodes") or len(model.inputs) != 1:
        raise UnsupportedLayerError([(model.name, "only functional Keras models with one input are supported")])
    walk = _Walk(model)
    for layer in model.layers:
        walk.visit(layer)
    if walk.problems:
        raise UnsupportedLayerError(walk.problems)
    _tie_groups(walk.tensors)
    return walk.tensors


class _Walk:
    """The chains found so far while visiting ``model.layers`` in graph order."""

    def __init__(self, model):
        self.consumers = _consumers(model)
        self.by_layer = {layer.name: layer for layer in model.layers}
        self.owner: dict[str, str] = {}   # keras layer name -> QTensor name whose output it produces/continues
        self.tensors: list[QTensor] = []
        self.by_name: dict[str, QTensor] = {}
        self.problems: list[tuple[str, str]] = []

    def readers(self, name: str) -> list:
        """Consumers of ``name``'s output, looking through identity layers."""
        out = []
        for c in self.consumers.get(name, []):
            out.extend(self.readers(c.name) if _is_identity(c) else [c])
        return out

    def add(self, q: QTensor, layer) -> None:
        self.tensors.append(q)
        self.by_name[q.name] = q
        self.owner[layer.name] = q.name

    def new_tensor(self, layer, op, sources, activation="linear"):
        q = QTensor(layer.name, len(self.tensors), op, [layer.name], tuple(layer.output.shape[1:]),
                    inputs=[self.owner[s.name] for s in sources if s.name in self.owner], activation=activation)
        if op in LOCKED_OPS:
            scale, zp = LOCKED_OPS[op]
            q.locked = f"{op} output has a fixed int8 quantization (scale {scale:g}, zero point {zp}) in TFLite"
        self.add(q, layer)

    def visit(self, layer) -> None:
        cls = type(layer).__name__
        if cls == "InputLayer":
            self.add(QTensor(layer.name, len(self.tensors), "INPUT", [layer.name], tuple(layer.output.shape[1:])),
                     layer)
            return
        sources = inbound_layers(layer)
        if any(s.name not in self.owner for s in sources):
            return   # fed by a refused layer: already reported
        if _is_identity(layer):
            self.owner[layer.name] = self.owner[sources[0].name]
            return
        op = _op_of(layer)
        act = _activation_of(layer)
        if cls == "BatchNormalization" or act in ("relu", "relu6"):
            self.continue_chain(layer, cls, act, sources)
            return
        why = _refusal(layer, cls, op, act)
        if why:
            self.problems.append((layer.name, why))
            return
        own = _own_activation(layer) if op in WEIGHTED_OPS else "linear"
        self.new_tensor(layer, op, sources, own)

    def continue_chain(self, layer, cls, act, sources) -> None:
        """Fold a BatchNormalization into, or fuse a ReLU/ReLU6 with, the chain before it when TFLite does."""
        src = sources[0]
        chain = self.by_name.get(self.owner.get(src.name, ""))
        # the chain's output layer feeds only this layer (through identities)
        single = chain is not None and [r.name for r in self.readers(chain.output_layer)] == [layer.name]
        if cls == "BatchNormalization":
            conv = self.by_layer.get(src.name)
            if (chain is None or not single or chain.op not in WEIGHTED_OPS or len(chain.layers) > 1
                    or conv is None or chain.output_layer != src.name):
                self.problems.append((layer.name, "BatchNormalization can only be folded into the conv/dense "
                                      "right before it (TFLite has no int8 standalone batch norm)"))
                return
        elif single and chain.op in FUSE_INTO and chain.activation == "linear":
            chain.activation = act
        else:   # not fusable: TFLite runs it as its own RELU/RELU6 op with its own int8 output
            self.new_tensor(layer, act.upper(), sources)
            return
        chain.layers.append(layer.name)
        chain.shape = tuple(layer.output.shape[1:])
        self.owner[layer.name] = chain.name


def _refusal(layer, cls: str, op: str | None, act: str) -> str | None:
    """Why the export cannot cover ``layer`` as a chain of its own, or None."""
    if op is None:
        if act == "unsupported" or cls == "Activation":
            what = layer.get_config().get("activation", "") if cls == "Activation" else "with these options"
            return (f"{cls} {what} has no int8 op in TFLite that qftune can export "
                    "(covered: relu, relu6, hard_silu/hard_swish, softmax, sigmoid, tanh, linear)")
        if cls == "OpLayer":
            return f"the Keras op {type(layer.op).__name__} has no int8 FakeQuant export path in qftune"
        return f"layer type {cls} has no int8 FakeQuant export path in qftune"
    if op in WEIGHTED_OPS and _own_activation(layer) not in FUSABLE_ACTIVATIONS:
        return f"built-in activation {_own_activation(layer)!r} cannot be fused"
    if op == "RESCALE":
        why = _rescale_problem(layer)
        if why:
            return f"{cls}: {why}"
    return None


def _tie_groups(tensors: list[QTensor]) -> None:
    """Set each tensor's ``group``: union-find over (op output, its inputs) for the ops that share quantization."""
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


def tied_groups(tensors: list[QTensor]) -> dict[str, list[str]]:
    """Group id -> names of the tensors in it (only groups with more than one member)."""
    groups: dict[str, list[str]] = {}
    for t in tensors:
        groups.setdefault(t.group, []).append(t.name)
    return {g: names for g, names in groups.items() if len(names) > 1}
