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
- int16 ops (TFLite 16x8, a plan exported through :mod:`core.export.mixed`): their output is int16 with
  zero point 0 and the scale :func:`core.quant.grid.int16_scale` of the planned range, bit-exact; every
  QUANTIZE between int8 and int16 copies a plan tensor at its planned scale in the new type (these are
  the only QUANTIZE ops allowed inside the graph besides the float boundaries); their bias is int64;
- LiteRT runs the model on a dummy input (a combination without a kernel fails here, named: the
  failing node's plan op).
Each mismatch names the tensor and both values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..quant.grid import QuantParams, int16_scale
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
        if _precision_change(graph, op):
            continue   # int8 <-> int16 (16x8 boundary): checked against the plan by _check_requantized
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


def _precision_change(graph: Graph, op) -> bool:
    """A QUANTIZE from int8 to int16 or back: the boundary of a 16x8 op."""
    if op.op != "QUANTIZE" or len(op.inputs) != 1 or len(op.outputs) != 1:
        return False
    kinds = {graph.tensors[op.inputs[0]].dtype, graph.tensors[op.outputs[0]].dtype}
    return kinds == {"int8", "int16"}


def _runs(interp, names: dict[int, str] | None = None) -> str | None:
    """None if LiteRT runs the model on a zero input, else why not (a missing kernel shows here; the
    failing node is named by its plan op when ``names`` (op index -> plan tensor) knows it)."""
    import re

    try:
        for d in interp.get_input_details():
            interp.set_tensor(d["index"], np.zeros(d["shape"], d["dtype"]))
        interp.invoke()
    except (ValueError, RuntimeError) as exc:
        node = re.search(r"Node number (\d+)", str(exc))
        who = (names or {}).get(int(node.group(1))) if node else None
        where = f" (op {who})" if who else ""
        return f"LiteRT cannot run the converted model{where}: {exc}"
    return None


def verify_int8(model: bytes, tensors: list[QTensor], expected: dict[str, QuantParams],
                weight_scales: dict[str, np.ndarray], granularity: str, floats=frozenset(),
                region=frozenset(), int16=frozenset()) -> Verification:
    """Check ``model`` (bytes) against the plan; never raises for a mismatch, see ``problems``.
    ``floats``: the plan's float ops; ``region``: those and the ops reading their output
    (:func:`core.plan.precision.float_region`), which compute in float32; ``int16``: the plan's 16x8
    ops (outside ``region``)."""
    int16 = frozenset(int16) - frozenset(region)
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
    owner = {i: n for n, i in ver.mapping.items()}
    problem = _runs(interp, {op.index: owner[op.outputs[0]] for op in graph.ops
                             if op.outputs and op.outputs[0] in owner})
    if problem:
        ver.problems.append(problem)
    by_name = {t.name: t for t in tensors}
    for name in sorted(region, key=lambda n: by_name[n].index):
        ver.problems.extend(_check_float_op(graph, ver, by_name[name], expected[name], name in floats))
    _check_int8_tensors(graph, ver, tensors, expected, region, int16)
    ver.problems.extend(_check_requantized(graph, owner, expected))
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
            bias_type = "int64" if t.name in int16 else "int32"
            if bias.dtype != bias_type or len(in_info.scales) != 1 or len(bias.scales) != len(got):
                ver.problems.append(f"bias of {t.name} ({bias.name!r}): {bias.dtype} with {len(bias.scales)} scale(s), "
                                    f"expected {bias_type} with {len(got)}")
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


def _planned(exp: QuantParams, dtype: str) -> tuple[float, int]:
    """(scale, zero point) of a plan range stored as ``dtype`` (int8: nudged; int16: symmetric, 16x8)."""
    return (int16_scale(exp), 0) if dtype == "int16" else (exp.scale, exp.zero_point)


def _check_requantized(graph: Graph, owner: dict[int, str], expected) -> list[str]:
    """Each int8 <-> int16 QUANTIZE copies a plan tensor at that tensor's planned scale in its new type."""
    problems = []
    for op in graph.ops:
        if not _precision_change(graph, op):
            continue
        name = owner.get(op.inputs[0])
        q = graph.tensors[op.outputs[0]]
        if name is None:
            problems.append(f"QUANTIZE op {op.index} ({graph.tensors[op.inputs[0]].dtype} -> {q.dtype}) reads no plan tensor")
            continue
        scale, zp = _planned(expected[name], q.dtype)
        got_s, got_zp = (float(q.scales[0]), int(q.zero_points[0])) if len(q.scales) == 1 else (float("nan"), 0)
        if _rel(got_s, scale) > SCALE_RTOL or got_zp != zp:
            problems.append(f"tensor {name} re-quantized to {q.dtype} (tflite #{q.index}): scale {got_s:.9g} zero point "
                            f"{got_zp} in the file, plan says scale {scale:.9g} zero point {zp}")
    return problems


def _check_int8_tensors(graph: Graph, ver: Verification, tensors, expected, region, int16=frozenset()) -> None:
    """Every plan tensor outside the float ``region`` has its planned scale and zero point: int8, or int16
    (16x8, symmetric) for the ops in ``int16``."""
    for t in tensors:
        if t.name in region:
            continue
        idx = ver.mapping[t.name]
        info = graph.tensors[idx]
        want = "int16" if t.name in int16 else "int8"
        if want == "int16":
            ver.problems.extend(_check_int16_tensor(ver, t, info, expected[t.name]))
            continue
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


def _check_int16_tensor(ver: Verification, t: QTensor, info, exp: QuantParams) -> list[str]:
    """``t`` (a 16x8 op's output) is int16, zero point 0, scale :func:`int16_scale` of its planned range."""
    scale = int16_scale(exp)
    if info.dtype != "int16" or len(info.scales) != 1:
        ver.tensors.append(TensorCheck(t.name, info.index, info.name, scale, 0, 0.0, 0, False, "int16"))
        return [f"tensor {t.name} (set int16): stored as {info.dtype} with {len(info.scales)} scale(s), expected int16 "
                f"with scale {scale:.9g}, zero point 0"]
    s, zp = float(info.scales[0]), int(info.zero_points[0])
    ok = _rel(s, scale) <= SCALE_RTOL and zp == 0
    ver.tensors.append(TensorCheck(t.name, info.index, info.name, scale, 0, s, zp, ok, "int16"))
    if ok:
        return []
    return [f"tensor {t.name} (int16, tflite #{info.index} {info.name!r}): scale {s:.9g} zero point {zp} in the file, "
            f"plan says scale {scale:.9g} zero point 0"]
