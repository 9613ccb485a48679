"""The export of a plan with int16 ops (TFLite 16x8): ai-edge-quantizer fed with qftune's ranges.

The FakeQuant -> TFLiteConverter export cannot put int16 activations on chosen ops (it emits an
int8 -> int16 CONV_2D that LiteRT has no kernel for; docs/precision.md). Google's ai-edge-quantizer
(litert-quantizer) quantizes a float .tflite op by op from a recipe and "calibration results"
``{tensor: {min, max}}``; here the recipe and the results are qftune's plan, nothing is calibrated:

- the float twin (BatchNorm folded, the same graph as the int8 export's) is matched to the plan by
  structure (:func:`core.export.match.match_tensors`);
- every plan op gets a recipe entry of its own (its output tensor's name): 8-bit activations, or
  16-bit for the plan's int16 ops; the float region (:func:`core.plan.precision.float_region`) gets
  none, so it stays float as on the converter path;
- each activation's min/max is the plan range *nudged* (:func:`core.quant.grid.nudge`), in float64:
  the quantizer's ``(max - min) / 255`` then gives the converter's scale bit-exactly; an int16
  tensor's grid is symmetric on the same nudged range (:func:`core.quant.grid.int16_scale`);
- each kernel's min/max is the plan's clip(s) ``±m`` (:func:`core.plan.weight_entry.weight_quant_params`),
  per channel or per tensor as the plan says: scale ``m / 127``, narrow range, as on the converter path;
- the model's float input/output edge QUANTIZE/DEQUANTIZE are removed, so the .tflite's input and
  output are int8 as every qftune export's are.

The result goes through the same verifier (:func:`core.export.verify.verify_int8`, int16 tensors too).
"""

from __future__ import annotations

import contextlib
import io
import re
import time

import numpy as np

from ..plan.precision import float_region, int16_layers
from ..plan.weight_entry import weight_quant_params
from ..progress import NULL_PROGRESS, Progress
from ..quant.tensors import AFFINE_OPS, WEIGHTED_OPS
from ..quant.weight_grid import expected_weight_scales, weight_ranges
from .graph import rescale_kernel
from .litert import Graph, load_interpreter, read_graph
from .match import match_tensors

KERAS_KIND = {"CONV_2D": "Conv2D", "DEPTHWISE_CONV_2D": "DepthwiseConv2D", "FULLY_CONNECTED": "Dense"}


def _kernel_clips(model, t, folded, weights: str, weight_plan) -> np.ndarray:
    """The symmetric clip(s) ``m`` of ``t``'s kernel, as the converter path quantizes it."""
    if t.op in AFFINE_OPS:
        kernel = rescale_kernel(model.get_layer(t.name))[0]
        return weight_ranges("DepthwiseConv2D", kernel, weights)
    cls = type(model.get_layer(t.name)).__name__
    return np.asarray(weight_quant_params(weight_plan, t.name, cls, folded[0][t.name][0], weights)[1], np.float32)


def _weight_qsv(graph: Graph, op, m: np.ndarray) -> dict:
    """The quantizer's min/max for a kernel tensor: ``±m`` shaped as its own statistics (kept dims:
    the channel axis TFLite quantizes, CONV_2D/FULLY_CONNECTED 0, DEPTHWISE_CONV_2D 3)."""
    shape = graph.tensors[op.inputs[1]].shape
    if len(m) == 1:
        dims = [1] * len(shape)
    else:
        axis = 3 if op.op == "DEPTHWISE_CONV_2D" else 0
        dims = [len(m) if i == axis else 1 for i in range(len(shape))]
    hi = np.asarray(m, np.float32).reshape(dims)
    return {"min": -hi, "max": hi}


def quantizer_recipe_and_qsv(graph: Graph, mapping: dict[str, int], tensors, params, clips, int16, region):
    """(recipe, calibration result) for ai-edge-quantizer: one entry per plan op, 8 or 16-bit activations
    and int8 weights of the plan's granularity; min/max = the nudged plan range and the kernel clips."""
    from ai_edge_quantizer import qtyping, recipe_manager

    rm = recipe_manager.RecipeManager()
    qsv, producers = {}, graph.producers()
    for t in tensors:
        info = graph.tensors[mapping[t.name]]
        p = params[t.name]
        qsv[info.name] = {"min": np.array(p.min, np.float64), "max": np.array(p.max, np.float64)}
        op = producers.get(mapping[t.name])
        if t.op == "INPUT" or t.name in region or op is None:
            continue
        bits = 16 if t.name in int16 else 8
        gran = qtyping.QuantGranularity.CHANNELWISE
        if t.name in clips:
            qsv[graph.tensors[op.inputs[1]].name] = _weight_qsv(graph, op, clips[t.name])
            if len(clips[t.name]) == 1:
                gran = qtyping.QuantGranularity.TENSORWISE
        rm.add_static_config("^" + re.escape(info.name) + ";$", op.op, bits, 8, gran)
    return rm.get_quantization_recipe(), qsv


def int8_io(data: bytes) -> bytes:
    """``data`` without the QUANTIZE feeding from its float input and the DEQUANTIZE to its float output:
    the int8 tensors become the model's input and output (signature updated), as on the converter path."""
    from tensorflow.lite.python import schema_py_generated as schema_fb
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(data))
    sg = model.subgraphs[0]
    codes = [c.builtinCode for c in model.operatorCodes]
    quant, dequant = schema_fb.BuiltinOperator.QUANTIZE, schema_fb.BuiltinOperator.DEQUANTIZE
    remap, drop = {}, []
    for op in sg.operators:
        code = codes[op.opcodeIndex]
        if code == quant and list(op.inputs) == [sg.inputs[0]] and sg.tensors[op.inputs[0]].type == schema_fb.TensorType.FLOAT32:
            remap[int(op.inputs[0])] = int(op.outputs[0])
            drop.append(op)
        elif code == dequant and int(op.outputs[0]) in list(sg.outputs):
            remap[int(op.outputs[0])] = int(op.inputs[0])
            drop.append(op)
    sg.operators = [op for op in sg.operators if op not in drop]
    sg.inputs = [remap.get(int(i), int(i)) for i in sg.inputs]
    sg.outputs = [remap.get(int(i), int(i)) for i in sg.outputs]
    for sig in model.signatureDefs or []:
        for m in list(sig.inputs or []) + list(sig.outputs or []):
            m.tensorIndex = remap.get(int(m.tensorIndex), int(m.tensorIndex))
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def quantize_mixed(model, tensors, params, weights: str, folded, weight_plan, float_data: bytes) -> tuple[bytes, dict]:
    """The 16x8/int8/float .tflite of ``float_data`` (the float twin of ``model`` with ``folded``), with the
    plan's activation ``params`` (nudged) and kernel clips; returns (bytes, the kernels' expected scales)."""
    from ai_edge_quantizer import quantizer

    graph = read_graph(load_interpreter(float_data, preserve_all=True))
    mapping = match_tensors(graph, tensors)
    region, int16 = float_region(tensors, weight_plan), int16_layers(weight_plan)
    clips, wscales = {}, {}
    for t in tensors:
        if t.name in region or t.op not in WEIGHTED_OPS | AFFINE_OPS:
            continue
        clips[t.name] = _kernel_clips(model, t, folded, weights, weight_plan)
        wscales[t.name] = (expected_weight_scales("DepthwiseConv2D", rescale_kernel(model.get_layer(t.name))[0], weights)
                           if t.op in AFFINE_OPS else weight_quant_params(
                               weight_plan, t.name, KERAS_KIND[t.op], folded[0][t.name][0], weights)[2])
    recipe, qsv = quantizer_recipe_and_qsv(graph, mapping, tensors, params, clips, int16, region)
    q = quantizer.Quantizer(bytearray(float_data), recipe)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        data = q.quantize(qsv, enable_progress_bar=False, enable_progress_report=False).quantized_model
    return int8_io(bytes(data)), wscales


def convert_mixed(model, tensors, params, weights: str, folded, weight_plan, float_data: bytes,
                  progress: Progress = NULL_PROGRESS):
    """Quantize with ai-edge-quantizer and verify; returns (bytes, verification, seconds) like
    :func:`core.export.export.convert_int8`."""
    from .verify import verify_int8

    progress.update(2, 4, "quantizing with ai-edge-quantizer (int16 ops)")
    t0 = time.perf_counter()
    data, wscales = quantize_mixed(model, tensors, params, weights, folded, weight_plan, float_data)
    seconds = {"quantize": time.perf_counter() - t0}
    progress.update(3, 4, "verifying scales")
    t1 = time.perf_counter()
    floats = {n for n, p in (getattr(weight_plan, "precisions", None) or {}).items() if p == "float"}
    ver = verify_int8(data, tensors, params, wscales, weights, floats=floats,
                      region=float_region(tensors, weight_plan), int16=int16_layers(weight_plan))
    seconds["verify"] = time.perf_counter() - t1
    progress.update(4, 4, "verified" if ver.ok else "verification failed")
    return data, ver, seconds
