"""Where does the simulated int8 model part from the exported LiteRT model? Tensor by tensor, on
keras.applications MobileNetV2 1.0 at 224 px (``bench_live.keras_v2_224``). Prints JSON.

    bench/bench_live_tensors.py [--weights per-channel] [--images 2] [--kernels xnnpack|builtin|builtin-ref]

Every plan tensor of the .tflite is read, fed as the app feeds it (``round(x / scale) + zero point``):
with XNNPACK (the default, LiteRT's default path: every plan tensor is made an output of the model so that
the delegate hands it back), LiteRT's builtin kernels or its reference kernels (every intermediate kept).
Two comparisons, in grid steps of the tensor's own scale:

- ``free``: the simulation run on its own from the same float input (differences accumulate);
- ``forced``: each plan tensor computed by the simulation from LiteRT's own values of the plan tensors
  before it, i.e. each op's own difference. For every op kind, where the differing values lay: the
  fractional part of ``(value - min) / scale`` of the simulation's value before its FakeQuant (0.5 =
  a rounding tie).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _interpreter(data: bytes, kernels: str, keep: list[int]):
    """LiteRT on ``data`` with ``kernels``; tensors ``keep`` readable after ``invoke``."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    if kernels != "xnnpack":
        kind = OpResolverType.BUILTIN_REF if kernels == "builtin-ref" else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
        it = Interpreter(model_content=data, experimental_preserve_all_tensors=True, experimental_op_resolver_type=kind)
    else:
        import tempfile

        from tensorflow.lite.tools import flatbuffer_utils

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "m.tflite"
            path.write_bytes(data)
            m = flatbuffer_utils.read_model(str(path))
            graph = m.subgraphs[0]
            known = set(graph.outputs) | set(graph.inputs)
            graph.outputs = np.asarray(list(graph.outputs) + [i for i in keep if i not in known], np.int32)
            flatbuffer_utils.write_model(m, str(path))
            data = path.read_bytes()
        it = Interpreter(model_content=data, num_threads=1)
    it.allocate_tensors()
    return it


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", default="per-channel", choices=["per-tensor", "per-channel"])
    ap.add_argument("--images", type=int, default=2)
    ap.add_argument("--kernels", default="xnnpack", choices=["xnnpack", "builtin", "builtin-ref"])
    args = ap.parse_args()
    from core.cli.quiet import quiet_tensorflow

    quiet_tensorflow()
    import tensorflow as tf
    from bench_live import generated_images, keras_v2_224

    from core.export.export import convert_int8, expected_params
    from core.export.graph import input_layer_name
    from core.export.litert import load_interpreter, quantize_input, read_graph
    from core.export.match import match_tensors
    from core.keras_graph import walk_nodes
    from core.simulate.model import SimulatedModel

    model, tensors, plan, conv = keras_v2_224()
    ranges = plan.ranges()
    data, ver, _ = convert_int8(model, tensors, ranges, args.weights)
    params = expected_params(tensors, ranges)
    index = match_tensors(read_graph(load_interpreter(data, preserve_all=True)), tensors)
    it = _interpreter(data, args.kernels, sorted(index.values()))
    sim = SimulatedModel(model, tensors, ranges, weights=args.weights)
    by_layer = {t.output_layer: t for t in tensors}
    nodes = list(walk_nodes(model))
    x = conv.apply(generated_images(args.images, seed=2).astype(np.float32))
    inp = it.get_input_details()[0]
    rows = {mode: {t.name: [] for t in tensors} for mode in ("free", "forced")}
    where: dict[str, list] = {}
    for i in range(args.images):
        it.set_tensor(inp["index"], quantize_input(x[i:i + 1], inp))
        it.invoke()
        lite = {t.name: it.get_tensor(index[t.name]).astype(np.int64) - params[t.name].zero_point for t in tensors}
        for mode in ("free", "forced"):
            def hook(name, t, mode=mode, lite=lite):
                y = sim.input_quant(name, t) if name == input_layer_name(model) else sim.act_quant(name, t)
                pt = by_layer.get(name)
                if pt is None or tuple(y.shape) != lite[pt.name].shape:   # a PAD the converter merged
                    return y
                p = params[pt.name]
                d = np.round(np.asarray(y, np.float64) / p.scale) - lite[pt.name]
                rows[mode][pt.name].append((float(np.mean(d != 0)), float(np.abs(d).max()), float(np.mean(d))))
                if mode == "forced" and np.any(d):
                    pos = ((np.asarray(t, np.float64) - p.min) / p.scale)[d != 0]
                    where.setdefault(pt.op, []).extend((pos - np.floor(pos)).tolist())
                return tf.constant((lite[pt.name] * p.scale).astype(np.float32)) if mode == "forced" else y

            step = sim.step_fn(hook)
            values = {id(model.inputs[0]): hook(input_layer_name(model), tf.constant(x[i:i + 1]))}
            for node in nodes:
                step(node, values)
    out = {"model": "keras.applications MobileNetV2 1.0 224px", "weights": args.weights, "images": args.images,
           "litert": args.kernels, "tensors": []}
    for t in tensors:
        row = {"tensor": t.name, "op": t.op}
        for mode in ("free", "forced"):
            a = np.asarray(rows[mode][t.name])
            if len(a):
                row[mode] = {"differ": round(float(a[:, 0].mean()), 5), "max_steps": int(a[:, 1].max()),
                             "mean_sim_minus_litert": round(float(a[:, 2].mean()), 5)}
        out["tensors"].append(row)
    out["forced_differing_at_fraction"] = {
        op: {"n": len(f), "percentiles_0_5_50_95_100": np.percentile(f, [0, 5, 50, 95, 100]).round(4).tolist()}
        for op, f in where.items()}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
