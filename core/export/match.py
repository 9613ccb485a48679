"""Match plan tensors to the tensors of a converted .tflite by graph structure.

TFLite tensor names are whatever the converter made of TF op names; we do not guess
from them. Instead the ops are walked in execution order: the model input is the
plan's INPUT tensor, and each op whose data inputs are already matched is matched to
the unmatched plan tensor with the same op kind, the same inputs and the same shape.

The converter may merge a tied op into its consumer (a ZeroPadding2D's PAD into the
following DEPTHWISE_CONV_2D's SAME padding, a no-op RESHAPE): such a plan tensor has no
op of its own and shares its input's int8 tensor, which has the same scale and zero
point by the tie, so it is matched to that tensor.

Around a float op (``core/plan/precision.py``) the converter puts DEQUANTIZE/QUANTIZE: their output
is the same plan tensor in another dtype, so matching walks through them; the plan tensor maps to
the output of the op that computes it.
"""

from __future__ import annotations

from ..quant.tensors import QTensor
from .litert import Graph

# converter ops that may stand for the plan's op kind
OP_ALIASES = {"MEAN": {"MEAN", "AVERAGE_POOL_2D", "SUM"}, "RESHAPE": {"RESHAPE", "SQUEEZE"},
              "PAD": {"PAD", "PADV2"}, "RESCALE": {"DEPTHWISE_CONV_2D"}, "REDUCE_MAX": {"REDUCE_MAX", "MAX_POOL_2D"}}
# tied ops the converter may fold away (their output is then their input's tensor)
ELIDABLE = {"PAD", "RESHAPE"}


class MatchError(ValueError):
    pass


def match_tensors(graph: Graph, tensors: list[QTensor]) -> dict[str, int]:
    """Plan tensor name -> tflite tensor index; raises :class:`MatchError` naming the
    plan tensors that have no counterpart."""
    mapping: dict[str, int] = {}
    owner: dict[int, str] = {}   # tflite tensor index -> plan tensor name
    inputs = [t for t in tensors if t.op == "INPUT"]
    if len(inputs) != 1 or len(graph.inputs) != 1:
        raise MatchError(f"expected one model input, the plan has {len(inputs)} and the .tflite {len(graph.inputs)}")
    src = graph.inputs[0]
    # an edge QUANTIZE (float input models) stands between the input and the first op
    for op in graph.ops:
        if op.op == "QUANTIZE" and op.inputs == [src]:
            src = op.outputs[0]
    mapping[inputs[0].name] = src
    owner[src] = inputs[0].name
    pending = [t for t in tensors if t.op != "INPUT"]
    by_name = {t.name: t for t in tensors}

    def through(name: str) -> tuple[str, list[str]]:
        """The tensor ``name`` is (when elided by the converter) and the elided tensors on the way."""
        skipped = []
        t = by_name[name]
        while t.op in ELIDABLE and len(t.inputs) == 1 and t.name not in mapping:
            skipped.append(t.name)
            t = by_name[t.inputs[0]]
        return t.name, skipped

    for op in graph.ops:
        data_in = [owner[i] for i in op.inputs if i in owner]
        if not data_in or not op.outputs or _boundary(op, data_in, owner):
            continue
        out = graph.tensors[op.outputs[0]]
        for t in pending:
            kinds = OP_ALIASES.get(t.op, {t.op})
            if op.op not in kinds or not _same_shape(t.shape, out.shape):
                continue
            elided = []
            if sorted(t.inputs) != sorted(data_in):
                resolved = [through(i) for i in t.inputs]
                if sorted(r[0] for r in resolved) != sorted(data_in):
                    continue
                elided = [n for r in resolved for n in r[1]]
            for n in elided:   # folded away by the converter: same int8 tensor as its input
                src = through(n)[0]
                mapping[n] = mapping[src]
                if by_name[n] in pending:
                    pending.remove(by_name[n])
            mapping[t.name] = op.outputs[0]
            owner[op.outputs[0]] = t.name
            pending.remove(t)
            break
    if pending:
        names = ", ".join(f"{t.name} ({t.op})" for t in pending[:10])
        more = f" and {len(pending) - 10} more" if len(pending) > 10 else ""
        raise MatchError(f"{len(pending)} plan tensor(s) have no matching int8 tensor in the .tflite: {names}{more}")
    return mapping


def _boundary(op, data_in: list[str], owner: dict[int, str]) -> bool:
    """A QUANTIZE/DEQUANTIZE at a float op's boundary: its output is the same plan tensor, other dtype."""
    if op.op in ("QUANTIZE", "DEQUANTIZE") and len(data_in) == 1:
        owner[op.outputs[0]] = data_in[0]
        return True
    return False


def _same_shape(plan_shape, tflite_shape) -> bool:
    plan = tuple(int(s) for s in plan_shape if s is not None)
    got = tuple(int(s) for s in tflite_shape)
    if got and got[0] == 1 and len(got) == len(plan) + 1:
        got = got[1:]
    return plan == got
