"""Verify a converted int8 .tflite against the plan before it is written.

Checks, on the bytes the converter produced (read back with LiteRT):
- no float32 activation tensor and no QUANTIZE/DEQUANTIZE op except at the model's edges;
- every plan tensor has its int8 tensor (matched by graph structure) and its stored
  scale and zero point equal the plan's nudged values;
- kernel scales have the planned granularity and equal the planned clip / 127 (max|w| unless
  the plan's ``LAYER/kernel`` entry clips it), per channel, bit-exact; bias scales equal
  input scale x weight scale.
- ops the plan sets float (``core/plan/precision.py``), and those reading their output, compute in
  float32 (their kernel too); QUANTIZE/DEQUANTIZE appear only at those boundaries, and a tensor
  re-quantized after such an op has its planned scale;
- LiteRT runs the model on a dummy input (a combination without a kernel fails here, named).
Each mismatch names the tensor and both values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..quant.grid import QuantParams
from ..quant.tensors import AFFINE_OPS, WEIGHTED_OPS, QTensor
from .litert import Graph, load_interpreter, read_graph
from .match import MatchError, match_tensors

SCALE_RTOL = 0.0       # activation scales are bit-exact: core.quant.grid.nudge computes them as the converter does
WEIGHT_RTOL = 0.0     # kernel scales too: 2m/254 in float32 (core.plan.weight_entry.stored_weight_scale), measured
                      # bit-exact on 4,147 per-tensor and per-channel scales with clips from 1e-4 to 1e3
BIAS_RTOL = 1e-4


class ExportVerificationError(ValueError):
    """The converted model does not honour the plan; nothing was written."""

    def __init__(self, problems: list[str], where: str = "the converted model"):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems[:40])
        more = f"\n  ... and {len(problems) - 40} more" if len(problems) > 40 else ""
        super().__init__(f"{where} does not honour the plan ({len(problems)} problem(s)):\n{lines}{more}")


@dataclass
class TensorCheck:
    name: str
    tflite_index: int
    tflite_name: str
    expected_scale: float
    expected_zero_point: int
    stored_scale: float
    stored_zero_point: int
    ok: bool
    precision: str = "int8"   # int8, float (set so), float-input (reads a float op's output)

    def to_dict(self):
        return dict(self.__dict__)


@dataclass
class Verification:
    mapping: dict[str, int]
    tensors: list[TensorCheck] = field(default_factory=list)
    weights: list[dict] = field(default_factory=list)
    ops: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"ok": self.ok, "problems": list(self.problems), "ops": dict(self.ops),
                "n_tensors_checked": len(self.tensors), "n_weights_checked": len(self.weights)}


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-30)


def check_edges(graph: Graph, float_ops: frozenset = frozenset()) -> list[str]:
    """QUANTIZE/DEQUANTIZE only at the model's edges and around ``float_ops`` (op indices the plan
    makes float); float32 tensors only there."""
    problems = []
    producers = graph.producers()
    consumers: dict[int, list] = {}
    for op in graph.ops:
        for i in op.inputs:
            consumers.setdefault(i, []).append(op)
    edge_tensors = set(graph.inputs) | set(graph.outputs)
    for op in graph.ops:
        if op.index in float_ops:
            edge_tensors.update(op.outputs)
            continue
        into_float = op.op == "DEQUANTIZE" and consumers.get(op.outputs[0]) and \
            all(c.index in float_ops for c in consumers[op.outputs[0]])
        from_float = op.op == "QUANTIZE" and op.inputs and op.inputs[0] in producers and \
            producers[op.inputs[0]].index in float_ops
        if into_float or from_float:
            edge_tensors.update(op.inputs)
            edge_tensors.update(op.outputs)
            continue
        if op.op == "QUANTIZE" and not (set(op.inputs) & set(graph.inputs)):
            t = graph.tensors[op.outputs[0]]
            problems.append(f"QUANTIZE op {op.index} inside the graph (re-quantizes into {t.name!r}): a range is not honoured")
        if op.op == "DEQUANTIZE":
            if set(op.outputs) & set(graph.outputs):
                continue
            if op.inputs and op.inputs[0] not in producers:
                continue   # dequantizing a constant (e.g. fp16 weights) is not an activation
            t = graph.tensors[op.outputs[0]]
            problems.append(f"DEQUANTIZE op {op.index} inside the graph produces float tensor {t.name!r}")
        if op.op in ("QUANTIZE", "DEQUANTIZE"):
            edge_tensors.update(op.inputs)
            edge_tensors.update(op.outputs)
    for idx, t in graph.tensors.items():
        if t.dtype == "float32" and idx not in edge_tensors and idx in producers:
            problems.append(f"tensor {t.name!r} (index {idx}) is float32: it has no FakeQuant range and stayed float")
    return problems


def _runs(interp) -> str | None:
    """None if LiteRT runs the model on a zero input, else why not (a missing kernel shows here)."""
    try:
        for d in interp.get_input_details():
            interp.set_tensor(d["index"], np.zeros(d["shape"], d["dtype"]))
        interp.invoke()
    except (ValueError, RuntimeError) as exc:
        return f"LiteRT cannot run the converted model: {exc}"
    return None


def verify_int8(model: bytes, tensors: list[QTensor], expected: dict[str, QuantParams],
                weight_scales: dict[str, np.ndarray], granularity: str, floats=frozenset(),
                region=frozenset()) -> Verification:
    """Check ``model`` (bytes) against the plan; never raises for a mismatch, see ``problems``.
    ``floats``: the plan's float ops; ``region``: those and the ops reading their output
    (:func:`core.plan.precision.float_region`), which compute in float32."""
    interp = load_interpreter(model, preserve_all=True)
    graph = read_graph(interp)
    ver = Verification(mapping={})
    for op in graph.ops:
        ver.ops[op.op] = ver.ops.get(op.op, 0) + 1
    try:
        ver.mapping = match_tensors(graph, tensors)
    except MatchError as exc:
        ver.problems.extend(check_edges(graph))
        ver.problems.append(str(exc))
        return ver
    producers = graph.producers()
    float_ops = frozenset(producers[ver.mapping[n]].index for n in region if ver.mapping[n] in producers)
    ver.problems.extend(check_edges(graph, float_ops))
    problem = _runs(interp)
    if problem:
        ver.problems.append(problem)
    by_name = {t.name: t for t in tensors}
    for name in sorted(region, key=lambda n: by_name[n].index):
        ver.problems.extend(_check_float_op(graph, ver, by_name[name], expected[name], name in floats))
    _check_int8_tensors(graph, ver, tensors, expected, region)
    for t in tensors:
        if t.op not in WEIGHTED_OPS | AFFINE_OPS or t.name not in weight_scales or t.name in region:
            continue
        op = producers.get(ver.mapping[t.name])
        if op is None or len(op.inputs) < 2:
            ver.problems.append(f"tensor {t.name}: no {t.op} op produces it in the .tflite")
            continue
        ker = graph.tensors[op.inputs[1]]
        want = np.asarray(weight_scales[t.name], np.float32)
        got = ker.scales
        entry = {"tensor": t.name, "tflite_index": ker.index, "granularity": "per-channel" if len(want) > 1 else "per-tensor",
                 "n_scales": int(len(got)), "expected_n_scales": int(len(want))}
        if ker.dtype != "int8" or len(got) != len(want):
            ver.problems.append(f"weights of {t.name} ({ker.name!r}): {ker.dtype} with {len(got)} scale(s) in the file, "
                                f"expected int8 with {len(want)} ({granularity})")
            ver.weights.append({**entry, "ok": False})
            continue
        rel = np.abs(got - want) / np.maximum(np.abs(want), 1e-30)
        worst = int(np.argmax(rel))
        entry["max_rel_err"] = float(rel[worst])
        entry["ok"] = bool(rel[worst] <= WEIGHT_RTOL and not np.any(ker.zero_points))
        if not entry["ok"]:
            ver.problems.append(f"weights of {t.name} ({ker.name!r}) channel {worst}: scale {got[worst]:.9g} in the file, "
                                f"expected {want[worst]:.9g} (the planned clip / 127)")
        if len(op.inputs) > 2:
            bias = graph.tensors[op.inputs[2]]
            in_info = graph.tensors[op.inputs[0]]
            if bias.dtype != "int32" or len(in_info.scales) != 1 or len(bias.scales) != len(got):
                ver.problems.append(f"bias of {t.name} ({bias.name!r}): {bias.dtype} with {len(bias.scales)} scale(s), "
                                    f"expected int32 with {len(got)}")
            else:
                want_b = in_info.scales[0] * got
                rel_b = np.abs(bias.scales - want_b) / np.maximum(np.abs(want_b), 1e-30)
                if rel_b.max() > BIAS_RTOL:
                    j = int(np.argmax(rel_b))
                    ver.problems.append(f"bias of {t.name} channel {j}: scale {bias.scales[j]:.9g} in the file, "
                                        f"expected input scale x weight scale = {want_b[j]:.9g}")
        ver.weights.append(entry)
    return ver


def _check_float_op(graph: Graph, ver: Verification, t: QTensor, exp: QuantParams, is_float: bool) -> list[str]:
    """``t``'s op computes in float32 (inputs, kernel, output); a tensor the plan keeps int8 after it
    (an op reading a float op's output) is re-quantized by a QUANTIZE with its planned scale."""
    idx = ver.mapping[t.name]
    info = graph.tensors[idx]
    op = graph.producers().get(idx)
    why = "set float" if is_float else "reads a float op's output"
    problems = []
    if op is None or info.dtype != "float32":
        return [f"tensor {t.name} ({why}): stored as {info.dtype}, expected a float32 op output"]
    bad = [graph.tensors[i] for i in op.inputs if graph.tensors[i].dtype not in ("float32", "int32")
           or (graph.tensors[i].dtype == "int32" and len(graph.tensors[i].scales))]
    if bad:
        problems.append(f"op {op.op} of {t.name} ({why}) is not float: input {bad[0].name!r} is {bad[0].dtype}")
    check = TensorCheck(t.name, idx, info.name, 0.0, 0, 0.0, 0, not problems, "float")
    if not is_float:
        quant = [o for o in graph.ops if o.op == "QUANTIZE" and o.inputs == [idx]]
        q = graph.tensors[quant[0].outputs[0]] if quant else None
        if q is None or q.dtype != "int8" or len(q.scales) != 1:
            problems.append(f"tensor {t.name} ({why}): no QUANTIZE to int8 after its float op")
        else:
            s, zp = float(q.scales[0]), int(q.zero_points[0])
            ok = _rel(s, exp.scale) <= SCALE_RTOL and zp == exp.zero_point
            check = TensorCheck(t.name, q.index, q.name, exp.scale, exp.zero_point, s, zp, ok and not problems,
                                "float-input")
            if not ok:
                problems.append(f"tensor {t.name} (re-quantized after its float op, tflite #{q.index}): scale {s:.9g} "
                                f"zero point {zp} in the file, plan says scale {exp.scale:.9g} zero point {exp.zero_point}")
    ver.tensors.append(check)
    if t.op in WEIGHTED_OPS:
        ver.weights.append({"tensor": t.name, "tflite_index": op.inputs[1] if len(op.inputs) > 1 else -1,
                            "granularity": "float", "ok": not bad})
    return problems


def _check_int8_tensors(graph: Graph, ver: Verification, tensors, expected, region) -> None:
    """Every int8 plan tensor (outside the float ``region``) has its planned scale and zero point."""
    for t in tensors:
        if t.name in region:
            continue
        idx = ver.mapping[t.name]
        info = graph.tensors[idx]
        exp = expected[t.name]
        if info.dtype != "int8" or len(info.scales) != 1:
            ver.problems.append(f"tensor {t.name}: stored as {info.dtype} with {len(info.scales)} scale(s), "
                                f"expected int8 with scale {exp.scale:.9g}, zero point {exp.zero_point}")
            continue
        s, zp = float(info.scales[0]), int(info.zero_points[0])
        ok = _rel(s, exp.scale) <= SCALE_RTOL and zp == exp.zero_point
        ver.tensors.append(TensorCheck(t.name, idx, info.name, exp.scale, exp.zero_point, s, zp, ok))
        if not ok:
            ver.problems.append(f"tensor {t.name} (tflite #{idx} {info.name!r}): scale {s:.9g} zero point {zp} in the file, "
                                f"plan says scale {exp.scale:.9g} zero point {exp.zero_point}")
