"""qftune's post-training quantization against its peers, side by side on one model and one image set;
prints JSON.

    python bench/bench_ptq_peers.py [--images 200] [--repeat 1] [--tools qftune,litert_quantizer]

Model: keras.applications MobileNetV2 1.0 at 224x224x3, 1,000 logits (weights=None, BatchNorm statistics
set from generated images: ``bench/_live_224.py``). Images: ``--images`` real 224-px JPEGs
(``bench/_bench_images.py``), in 10 class folders. Every tool reads the same JPEG files and decodes them
itself (decoding is part of its time), each in its own child process (one TensorFlow import per
tool), whose wall time, CPU time and peak RSS (``ru_maxrss`` from ``wait4``) are measured:

- ``qftune``: ``qftune calibrate MODEL --data folder:TREE --all`` (a 2048-bin histogram of every
  tensor, the greedy range search) then ``qftune export S.qft`` (BatchNorm folded, FakeQuant at the
  chosen ranges, converted, verified bit-exact; no float twin), both in one process as
  ``qftune`` runs them (in-process CLI, ``core.cli.main``).
- ``tflite_converter``: ``tf.lite.TFLiteConverter.from_keras_model`` with a representative dataset of the
  same images (min/max), full int8 (``TFLITE_BUILTINS_INT8``).
- ``litert_quantizer``: Google's ``ai-edge-quantizer`` static recipe ``static_wi8_ai8`` (min/max of every
  tensor collected by running the float .tflite in LiteRT, then quantized), on the model's float .tflite
  (``TFLiteConverter``, its ``serving_default`` signature), made beforehand: its conversion is not in this
  tool's time, as a LiteRT user starts from one.

Issue 19's target: qftune's calibrate + export no slower and no larger in peak memory than
litert-quantizer's static PTQ on the same model and images. The answer depends on the number of images:
qftune pays TensorFlow's import, the Keras model's load and a trace (seconds, whatever the count) and
then runs faster per image; litert-quantizer holds every decoded image in memory (its ``calibrate`` lists
its data first), so its peak grows with the count while qftune's stays flat. Run ``--images 200``, ``1000``
(qftune's default calibration set) and ``2000`` to see both sides.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

CLASSES = 10
TOOLS = ("qftune", "tflite_converter", "litert_quantizer")

QFTUNE = """
import json, sys, time
sys.path.insert(0, {root!r})
from core.cli import main
model, tree, out = sys.argv[1:4]
t = time.perf_counter()
rc = main(["calibrate", model, "--data", "folder:" + tree, "--all", "--out", out + "/s.qft"])
calibrate_s = time.perf_counter() - t
assert rc == 0, rc
t = time.perf_counter()
rc = main(["export", out + "/s.qft", "--out", out + "/m_int8.tflite"])
assert rc == 0, rc
print(json.dumps({{"calibrate_s": calibrate_s, "export_s": time.perf_counter() - t}}))
"""

IMAGES = """
def images(tree):
    import numpy as np
    from pathlib import Path
    from PIL import Image
    for p in sorted(Path(tree).glob("*/*.jpg")):
        x = np.asarray(Image.open(p).convert("RGB"), np.float32) / 127.5 - 1.0   # keras.applications' MobileNetV2
        yield x[None]
"""

CONVERTER = IMAGES + """
import json, sys, time
import keras, tensorflow as tf
model_path, tree, out = sys.argv[1:4]
t = time.perf_counter()
model = keras.models.load_model(model_path)
conv = tf.lite.TFLiteConverter.from_keras_model(model)
conv.optimizations = [tf.lite.Optimize.DEFAULT]
conv.representative_dataset = lambda: ([x] for x in images(tree))
conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
conv.inference_input_type = tf.int8
conv.inference_output_type = tf.int8
blob = conv.convert()
open(out + "/converter_int8.tflite", "wb").write(blob)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""

FLOAT = """
import sys
import keras, tensorflow as tf
open(sys.argv[2], "wb").write(tf.lite.TFLiteConverter.from_keras_model(keras.models.load_model(sys.argv[1])).convert())
"""

QUANTIZER = IMAGES + """
import json, sys, time
float_path, tree, out = sys.argv[1:4]
t = time.perf_counter()
from ai_edge_litert.interpreter import Interpreter
from ai_edge_quantizer import quantizer, recipe
name = list(Interpreter(model_path=float_path).get_signature_runner("serving_default").get_input_details())[0]
qt = quantizer.Quantizer(float_path, recipe.static_wi8_ai8())

# a list, as ai-edge-quantizer expects: its calibrate() runs len(list(data)) first, so any iterable is
# held whole in memory (1,000 decoded images: 600 MB) and a generator would be empty on the real pass
result = qt.calibrate({"serving_default": [{name: x} for x in images(tree)]})
quantized = qt.quantize(result)
quantized.export_model(out + "/quantizer_int8.tflite", overwrite=True)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=1, help="runs per tool (the best wall time is kept)")
    ap.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated subset of {','.join(TOOLS)}")
    args = ap.parse_args()
    from _bench_images import link_tree, run_child
    from _live_224 import keras_v2_224_model

    tools = [t for t in args.tools.split(",") if t]
    unknown = sorted(set(tools) - set(TOOLS))
    if unknown or "qftune" not in tools:
        raise SystemExit(f"--tools: {', '.join(unknown) or 'qftune missing'} (choose from {', '.join(TOOLS)}; "
                         "qftune is always one)")
    if args.images % CLASSES:
        raise SystemExit(f"--images must be a multiple of {CLASSES} (the tree has {CLASSES} class folders)")
    load_before = os.getloadavg()
    tree, _ = link_tree(f"tree_peers_{CLASSES}x{args.images // CLASSES}", CLASSES, args.images // CLASSES)
    model = keras_v2_224_model()
    py = sys.executable
    runs: dict[str, list[dict]] = {tool: [] for tool in tools}
    with tempfile.TemporaryDirectory(prefix="qftune_peers_") as tmp:
        if "litert_quantizer" in tools:     # its input; the others start from the Keras model
            run_child([py, "-c", FLOAT, str(model), f"{tmp}/m_float.tflite"], parse=False)
        for _ in range(args.repeat):
            for tool, script, first in (("qftune", QFTUNE.format(root=str(ROOT)), str(model)),
                                        ("tflite_converter", CONVERTER, str(model)),
                                        ("litert_quantizer", QUANTIZER, f"{tmp}/m_float.tflite")):
                if tool not in tools:
                    continue
                out = Path(tmp) / tool
                out.mkdir(exist_ok=True)
                env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
                doc, rss, wall = run_child([py, "-c", script, first, str(tree), str(out)], env=env)
                runs[tool].append({"wall_s": round(wall, 2), "cpu_s": round(run_child.cpu_s, 2),
                                   "peak_rss_mb": round(rss), **{k: round(v, 2) for k, v in doc.items()
                                                                 if isinstance(v, float)}})
                for f in out.glob("*.tflite"):
                    runs[tool][-1][f"{f.name}_bytes"] = f.stat().st_size
    best = {tool: min(r, key=lambda d: d["wall_s"]) for tool, r in runs.items()}
    peer = best.get("litert_quantizer")
    result = {
        "bench": "ptq_peers", "model": f"{model.name} (keras.applications MobileNetV2 1.0, 224x224x3, 1000 logits)",
        "images": args.images, "data": str(tree), "cpus": os.cpu_count(),
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "runs": runs, "best": best,
        "target": "qftune calibrate + export no slower and no larger in peak RSS than litert_quantizer",
    }
    if peer is not None:
        result["qftune_vs_litert_quantizer"] = {
            "wall": round(best["qftune"]["wall_s"] / peer["wall_s"], 2),
            "peak_rss": round(best["qftune"]["peak_rss_mb"] / peer["peak_rss_mb"], 2)}
        result["met"] = {"wall": best["qftune"]["wall_s"] <= peer["wall_s"],
                         "peak_rss": best["qftune"]["peak_rss_mb"] <= peer["peak_rss_mb"]}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
