"""The measurement behind docs/precision.md: what the FakeQuant -> TFLiteConverter path makes of a
per-op precision mix (float, int16) on a 5-op 28-px graph, and what ai-edge-quantizer makes of it
when installed (it is not a qftune dependency). Prints JSON: each case's ops with dtypes/scales and
whether LiteRT loads and runs it.

    PYTHONPATH=$PWD .venv/bin/python scripts/precision_probe.py
"""

from __future__ import annotations

import json
import warnings

import numpy as np

from core.export.litert import load_interpreter, quantize_input, read_graph

RNG = np.random.default_rng(0)
K1 = (RNG.normal(size=(3, 3, 3, 16)) * 0.3).astype(np.float32)
K2 = (RNG.normal(size=(3, 3, 16, 1)) * 0.3).astype(np.float32)
K3 = (RNG.normal(size=(1, 1, 16, 64)) * 0.2).astype(np.float32)
K4 = (RNG.normal(size=(64, 10)) * 0.2).astype(np.float32)


def graph_fn(tf, mode: dict):
    """conv -> dw -> conv -> mean -> fc; ``mode`` op -> int8 | float | float-kernel | int16 (FakeQuant num_bits=16,
    symmetric narrow range: the 16x8 spec's zero point 0) | int16-boundary (also an 8->16->8 FakeQuant pair)."""
    def fqk(k, op):
        if mode.get(op) in ("float", "float-kernel"):
            return tf.constant(k)
        m = float(np.abs(k).max())
        return tf.quantization.fake_quant_with_min_max_args(tf.constant(k), -m, m, num_bits=8, narrow_range=True)

    def fqa(x, op, lo, hi):
        p = mode.get(op, "int8")
        if p == "float":
            return x
        if p == "float-kernel":   # the kernel left float, the output still FakeQuant'd
            p = "int8"
        if p.startswith("int16"):
            m = max(abs(lo), abs(hi))
            y = tf.quantization.fake_quant_with_min_max_args(x, -m, m, num_bits=16, narrow_range=True)
            return tf.quantization.fake_quant_with_min_max_args(y, lo, hi, num_bits=8) if p == "int16-boundary" else y
        return tf.quantization.fake_quant_with_min_max_args(x, lo, hi, num_bits=8, narrow_range=False)

    def run(x):
        x = fqa(x, "in", 0.0, 1.0)
        y = fqa(tf.nn.relu(tf.nn.conv2d(x, fqk(K1, "c1"), 1, "SAME")), "c1", 0.0, 3.0)
        y = fqa(tf.nn.relu(tf.nn.depthwise_conv2d(y, fqk(K2, "dw"), [1, 1, 1, 1], "SAME")), "dw", 0.0, 4.0)
        y = fqa(tf.nn.relu(tf.nn.conv2d(y, fqk(K3, "c3"), 1, "SAME")), "c3", 0.0, 5.0)
        y = fqa(tf.reduce_mean(y, axis=[1, 2]), "pool", 0.0, 5.0)
        return fqa(tf.matmul(y, fqk(K4, "fc")), "fc", -5.0, 5.0)
    return run


def describe(data: bytes) -> dict:
    try:
        interp = load_interpreter(data, preserve_all=True)
    except ValueError as exc:
        return {"loads": False, "error": str(exc)[:300]}
    g = read_graph(interp)

    def t(i):
        info = g.tensors[i]
        sc = f"/{info.scales[0]:.4g}" if len(info.scales) == 1 else f"/{len(info.scales)}ch" if len(info.scales) else ""
        return info.dtype + sc
    ops = [f"{op.op}({', '.join(t(i) for i in op.inputs)}) -> {', '.join(t(i) for i in op.outputs)}" for op in g.ops]
    d = interp.get_input_details()[0]
    interp.set_tensor(d["index"], quantize_input(RNG.random((1, 28, 28, 3)).astype(np.float32), d))
    interp.invoke()
    return {"loads": True, "runs": True, "ops": ops}


def fakequant_case(tf, mode: dict) -> dict:
    fn = tf.function(graph_fn(tf, mode), autograph=False, input_signature=[tf.TensorSpec((1, 28, 28, 3), tf.float32)])
    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()])
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.inference_input_type = conv.inference_output_type = tf.int8
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return describe(conv.convert())
    except Exception as exc:   # noqa: BLE001 - a converter refusal is a measured outcome
        return {"converts": False, "error": str(exc).splitlines()[0][:300]}


def quantizer_case(tf) -> dict:
    """ai-edge-quantizer on the float .tflite: int8 everywhere, 16x8 for the depthwise conv, ranges given
    from outside (qftune's would be), not calibrated by the tool."""
    try:
        from ai_edge_quantizer import quantizer
    except ImportError:
        return {"skipped": "ai-edge-quantizer is not installed (pip install ai-edge-quantizer==0.10.0)"}
    from core.export.signature import with_serving_signature

    fn = tf.function(graph_fn(tf, dict.fromkeys(["in", "c1", "dw", "c3", "pool", "fc"], "float")), autograph=False,
                     input_signature=[tf.TensorSpec((1, 28, 28, 3), tf.float32)])
    flt = with_serving_signature(tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()]).convert(),
                                 ["image"])
    g = read_graph(load_interpreter(flt, preserve_all=True))
    q = quantizer.Quantizer(flt)
    q.add_static_config(".*", "*", 8, 8)
    q.add_static_config(g.tensors[g.ops[1].outputs[0]].name, "DEPTHWISE_CONV_2D", 16, 8)
    sig = next(iter(load_interpreter(flt).get_signature_list()))
    inp = load_interpreter(flt).get_signature_list()[sig]["inputs"][0]
    qsv = q.calibrate({sig: [{inp: RNG.random((1, 28, 28, 3)).astype(np.float32)}]})
    for k, v in qsv.items():   # replace the tool's calibration by externally supplied ranges
        if v:
            qsv[k] = {"min": np.zeros_like(v["min"]), "max": np.full_like(v["max"], 5.0)}
    return describe(q.quantize(qsv, enable_progress_report=False).quantized_model)


def main() -> None:
    import tensorflow as tf

    cases = {"all_int8": {}, "dw_float": {"dw": "float"}, "c3_float": {"c3": "float"},
             "dw_float_kernel_but_output_fakequant": {"dw": "float-kernel"},
             "c1_dw_int16": {"c1": "int16", "dw": "int16"},
             "dw_int16_with_8_16_boundaries": {"c1": "int16-boundary", "dw": "int16-boundary"}}
    out = {name: fakequant_case(tf, mode) for name, mode in cases.items()}
    out["ai_edge_quantizer_dw_16x8"] = quantizer_case(tf)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
