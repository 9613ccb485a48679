"""Thin helpers around the LiteRT interpreter (``ai_edge_litert``), shared by export
verification, evaluation and compare.

Verification and compare read intermediate tensors, which needs
``experimental_preserve_all_tensors=True`` and the builtin kernels without the
default XNNPACK delegate (a delegate hides the tensors it swallows). Latency uses
XNNPACK on one thread (plain int8 kernels on 2 threads are far slower here).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


def _interpreter_cls():
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    return Interpreter, OpResolverType


def load_interpreter(model: str | Path | bytes, *, preserve_all: bool = False, threads: int = 1):
    """An allocated interpreter for a .tflite path or its bytes.

    ``preserve_all`` keeps every intermediate tensor readable (builtin kernels, no
    delegate); otherwise XNNPACK runs the model with ``threads`` threads.
    """
    Interpreter, OpResolverType = _interpreter_cls()
    kwargs = {"model_content": bytes(model)} if isinstance(model, (bytes, bytearray)) else {"model_path": str(model)}
    if preserve_all:
        kwargs.update(experimental_preserve_all_tensors=True,
                      experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    else:
        kwargs.update(num_threads=int(threads))
    try:
        interp = Interpreter(**kwargs)
        interp.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        where = "the converted model" if "model_content" in kwargs else str(model)
        raise ValueError(f"{where}: LiteRT cannot load it: {exc}") from exc
    return interp


@dataclass
class TensorInfo:
    index: int
    name: str
    dtype: str          # numpy dtype name: int8, float32, int32 ...
    shape: tuple
    scales: np.ndarray  # float32, empty when not quantized
    zero_points: np.ndarray
    axis: int           # quantized dimension (per-channel)


@dataclass
class OpInfo:
    index: int
    op: str
    inputs: list[int]
    outputs: list[int]


@dataclass
class Graph:
    """The op graph of a .tflite as the interpreter reports it."""

    ops: list[OpInfo]
    tensors: dict[int, TensorInfo]
    inputs: list[int]
    outputs: list[int]

    def producers(self) -> dict[int, OpInfo]:
        return {o: op for op in self.ops for o in op.outputs}


def read_graph(interp) -> Graph:
    tensors = {}
    for d in interp.get_tensor_details():
        q = d.get("quantization_parameters", {})
        tensors[d["index"]] = TensorInfo(d["index"], d["name"], np.dtype(d["dtype"]).name, tuple(int(s) for s in d["shape"]),
                                         np.asarray(q.get("scales", []), np.float32),
                                         np.asarray(q.get("zero_points", []), np.int64), int(q.get("quantized_dimension", 0)))
    ops = [OpInfo(o["index"], o["op_name"], [int(i) for i in o["inputs"] if i >= 0], [int(i) for i in o["outputs"]])
           for o in interp._get_ops_details()]
    return Graph(ops, tensors, [d["index"] for d in interp.get_input_details()],
                 [d["index"] for d in interp.get_output_details()])


def quantize_input(x: np.ndarray, detail: dict) -> np.ndarray:
    """float input -> the interpreter's input dtype using its scale/zero point."""
    dtype = np.dtype(detail["dtype"])
    if dtype == np.float32:
        return x.astype(np.float32)
    scale, zp = detail["quantization"]
    info = np.iinfo(dtype)
    return np.clip(np.round(x / scale) + zp, info.min, info.max).astype(dtype)


def dequantize(q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    if q.dtype == np.float32 or not scale:
        return q.astype(np.float32)
    return ((q.astype(np.float32) - np.float32(zero_point)) * np.float32(scale)).astype(np.float32)
