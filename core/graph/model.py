"""The plan's tensors as a graph: one node per int8 tensor (the op that produces it), edges from
each tensor to the ops reading it, in the plan's topological (graph) order.

BatchNorm and ReLU/ReLU6 are already fused into their op by the plan (``core.quant.tensors``);
residual ``ADD``\\s and squeeze-excite ``MUL``\\s are nodes with two inputs. Ops whose output
shares its input's scale and zero point (``PAD``, pooling, reshape: the plan's tied groups) are
nodes marked ``tied_to`` their input: the plan folds their range into their input's, and the
converter may fold a ``PAD`` into the next conv (then it has no tensor of its own in the .tflite).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..quant.tensors import TIED_OPS, QTensor

# short labels for ops (the full TFLite name is in hover texts)
OP_LABELS = {"DEPTHWISE_CONV_2D": "dw conv", "CONV_2D": "conv", "FULLY_CONNECTED": "dense", "ADD": "add",
             "MEAN": "mean", "SOFTMAX": "softmax", "CONCATENATION": "concat", "MAX_POOL_2D": "max pool",
             "AVERAGE_POOL_2D": "avg pool", "RESHAPE": "reshape", "PAD": "pad", "INPUT": "input",
             "MUL": "mul", "SUB": "sub", "LOGISTIC": "logistic", "MAXIMUM": "max", "MINIMUM": "min",
             "HARD_SWISH": "hard swish", "RESCALE": "rescale", "REDUCE_MAX": "reduce max"}


@dataclass
class GraphNode:
    name: str                    # the plan tensor's name
    index: int                   # position in the plan (topological order)
    op: str                      # TFLite op kind
    inputs: list[str]            # plan tensors it reads
    shape: tuple
    activation: str = "linear"
    tied_to: str | None = None   # a tied op's input: its range is that tensor's (pad, pool, reshape)
    outputs: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        op = OP_LABELS.get(self.op, self.op.lower())
        if self.activation not in ("linear", ""):
            op += f"+{self.activation}"
        return f"{self.name} · {op}"


@dataclass
class ModelGraph:
    nodes: list[GraphNode]

    def __post_init__(self):
        self.by_name = {n.name: n for n in self.nodes}

    @property
    def edges(self) -> list[tuple[str, str]]:
        return [(src, n.name) for n in self.nodes for src in n.inputs]

    def __len__(self) -> int:
        return len(self.nodes)


def model_graph(tensors: list[QTensor]) -> ModelGraph:
    """The graph of ``tensors`` (a plan's, in plan order); an input naming no earlier tensor is refused."""
    nodes: list[GraphNode] = []
    seen: dict[str, GraphNode] = {}
    for t in sorted(tensors, key=lambda q: q.index):
        missing = [i for i in t.inputs if i not in seen]
        if missing:
            raise ValueError(f"tensor {t.name} reads {', '.join(missing)}, which is not an earlier tensor of the plan")
        tied = t.inputs[0] if t.op in TIED_OPS and t.inputs else None
        node = GraphNode(t.name, t.index, t.op, list(t.inputs), tuple(t.shape), t.activation, tied)
        for i in t.inputs:
            seen[i].outputs.append(t.name)
        nodes.append(node)
        seen[t.name] = node
    return ModelGraph(nodes)
