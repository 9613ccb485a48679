"""Calibration cost against a plain float forward pass over the same images; prints JSON.

    python bench/bench_calibration.py [--model M.keras] [--images 100] [--batch-size 32] [--repeat 7]
    python bench/bench_calibration.py --size 224 [--images 128] [--repeat 3] [--keras-app mobilenet_v2]

The float baseline is ``model(x, training=False)`` in one ``tf.function`` with the same
input signature as the calibration graph (batch dimension free, so neither pads the
short last batch), over the same batches, the logits copied to numpy. The calibration pass is
``collect_stats`` (in-graph binning; ``--numpy`` also times the reference path that copies
every activation to numpy). Tracing is excluded from both and reported separately; the
passes alternate and the best of ``--repeat`` is reported (the machine may be shared:
the load average is printed). Default model: the bundled QF-MobileNetV2 if present, else
a freshly built one (width 0.5, 28x28x1, 10 classes).

``--size 224``: qftune's MobileNetV2 1.0 at 224x224x3 with 1,000 classes (BatchNorm statistics
from real images, ``bench/_bench_images.py``) on real 224-px JPEGs decoded once through the
folder pipeline; both passes get the same ready float batches (``collect_stats`` takes the
batch iterator), so only the model and the statistics are timed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--images", type=int, default=100)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--numpy", action="store_true", help="also time the reference numpy path")
    ap.add_argument("--size", type=int, default=None, choices=[224],
                    help="224: MobileNetV2 1.0 at 224x224x3 on real JPEGs instead of the 28-px model")
    ap.add_argument("--keras-app", default=None, choices=["mobilenet_v2", "mobilenet_v3_large"],
                    help="with --size 224: keras.applications' model (weights=None, 1,000 logits, its own input "
                         "convention) instead of qftune's MobileNetV2")
    args = ap.parse_args()

    import numpy as np
    import tensorflow as tf

    from core.calib.collect import collect_stats, model_inputs
    from core.data import load_dataset
    from core.quant.tensors import quant_tensors

    load_start = os.getloadavg()[0]
    bundled = ROOT / "resources/models/mobilenet_v2_qf_fmnist.keras"
    path = args.model or (str(bundled) if bundled.exists() else None)
    if args.size:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from _bench_images import link_tree, mobilenet_v2_224

        from core.models.convention import PIXEL_01
        from core.models.loading import load_model

        convention = PIXEL_01
        if args.keras_app:
            import keras

            from core.models.convention import detect_convention

            build = {"mobilenet_v2": keras.applications.MobileNetV2,
                     "mobilenet_v3_large": keras.applications.MobileNetV3Large}[args.keras_app]
            model = build(weights=None, input_shape=(224, 224, 3), classifier_activation=None)
            name = f"keras.applications {args.keras_app} (weights=None, 224x224x3, 1000 logits)"
            convention = detect_convention(model)
        else:
            keras_path, _ = mobilenet_v2_224()
            model, name = load_model(keras_path), f"{keras_path.name} (qftune MobileNetV2 1.0, 224x224x3, 1000 classes)"
    elif path:
        from core.models.loading import load_model

        model, name = load_model(path), path
    else:
        from core.models import QFConfig, build

        model, name = build("mobilenet-v2", width=0.5, qf=QFConfig.full()), "built mobilenet-v2 width 0.5 QF (untrained)"
    tensors = quant_tensors(model)
    bs = args.batch_size
    if args.size:
        root, _ = link_tree(f"tree_bench_calib_{args.images}", 1, args.images)
        batches = [x for x, _ in load_dataset(f"folder:{root}").batches(224, 3, convention, bs)]
        images = np.concatenate(batches)
    else:
        ds = load_dataset("embedded", "train")
        images = np.concatenate([ds.images] * (args.images // len(ds) + 1))[: args.images]
        batches = [model_inputs(model, images[i:i + bs]) for i in range(0, len(images), bs)]   # as calibration

    signature = [tf.TensorSpec((None,) + tuple(model.input_shape[1:]), tf.float32)]
    forward = tf.function(lambda x: model(x, training=False), input_signature=signature, autograph=False)

    t0 = time.perf_counter()
    forward(batches[0]).numpy()                               # trace
    cold_plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    feed = (lambda: iter(batches)) if args.size else (lambda: images)   # ready batches, or uint8 as calibrate
    collect_stats(model, tensors, batches[:1] if args.size else images[:bs], batch_size=bs)  # trace (cached per model)
    cold_calib = time.perf_counter() - t0
    if args.numpy:
        t0 = time.perf_counter()
        collect_stats(model, tensors, batches[:1] if args.size else images[:bs], batch_size=bs, in_graph=False)
        cold_numpy = time.perf_counter() - t0

    def plain():
        t0 = time.perf_counter()
        for x in batches:
            np.asarray(forward(x))
        return time.perf_counter() - t0

    def calib(in_graph=True):
        t0 = time.perf_counter()
        _, meta = collect_stats(model, tensors, feed(), batch_size=bs, in_graph=in_graph, total=len(images))
        return time.perf_counter() - t0, meta

    plain_t, calib_t, numpy_t, metas = [], [], [], []
    for _ in range(args.repeat):
        plain_t.append(plain())
        t, meta = calib()
        calib_t.append(t)
        metas.append(meta)
        if args.numpy:
            numpy_t.append(calib(False)[0])
    p, c = min(plain_t), min(calib_t)
    best = metas[int(np.argmin(calib_t))]
    out = {
        "bench": "calibration", "model": name, "input_convention": convention.name if args.size else None,
        "tensors": len(tensors), "images": len(images), "batch_size": bs,
        "float_forward_s": p, "calibration_s": c, "ratio": c / p, "goal_ratio": 2.0,
        "calibration_graph_part_s": best["forward_s"], "calibration_numpy_bookkeeping_s": best["stats_s"],
        "recounts": best["recounts"], "numpy_fallbacks": best["numpy_fallbacks"],
        "tracing_s": {"float": cold_plain, "calibration": cold_calib},
        "float_forward_s_all": plain_t, "calibration_s_all": calib_t,
        "load_average_1min": {"start": load_start, "end": os.getloadavg()[0]}, "cpus": os.cpu_count(),
    }
    if args.numpy:
        out.update({"numpy_path_s": min(numpy_t), "numpy_path_ratio": min(numpy_t) / p,
                    "numpy_path_s_all": numpy_t})
        out["tracing_s"]["numpy_path"] = cold_numpy
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
