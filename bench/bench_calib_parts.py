"""Where a calibration pass's time goes beyond the float forward pass, part by part; prints JSON.

    python bench/bench_calib_parts.py [--images 126] [--rows 7] [--repeat 5]

Issue 19 asks for a calibration pass within 1.3x a float pass. This bench splits qftune's
in-graph statistics (``core/calib/graph_stats.py``) into the steps every exact histogram needs and
times each cumulatively, in one ``tf.function`` per variant, on the same ready batches of real
224-px JPEGs (``bench/_bench_images.py``) through keras.applications MobileNetV2 1.0 (224 px,
1,000 logits, BatchNorm statistics from real images: ``bench/_live_224.py``), ``--rows`` images per
pass (what ``core.calib.collect.rows_per_pass`` gives this model: 7):

- ``float``: the forward pass alone (the logits);
- ``min_max``: + each tensor's min and max (``reduce_min``/``reduce_max``), all that min/max
  calibration (the TFLite converter, litert-quantizer) collects;
- ``bin_index``: + each value's bin index (``(x - lo) * (1 / width)`` cast to int32, reduced to one
  number so it is computed);
- ``histogram``: + the counts (``DenseBincount`` of the indices, 2,049 bins): an exact histogram;
- ``qftune``: the statistics step calibration runs (``GraphStats``: the same parts, with the growth of
  each histogram's range computed in the graph).

Each variant computes its parts per tensor, so it can free an activation as soon as it is reduced.
The best of ``--repeat`` passes over all batches is kept; the variants alternate (the machine may be shared).
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

BINS = 2048
PARTS = ("float", "min_max", "bin_index", "histogram")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=126)
    ap.add_argument("--rows", type=int, default=7, help="images per pass")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    import numpy as np
    import tensorflow as tf
    from _bench_images import link_tree
    from _live_224 import keras_v2_224_model

    from core.calib.collect import stats_model
    from core.calib.graph_stats import GraphStats
    from core.data import load_dataset
    from core.models.convention import detect_convention
    from core.models.loading import load_model
    from core.quant.tensors import quant_tensors

    load_start = os.getloadavg()[0]
    model = load_model(str(keras_v2_224_model()))
    tensors = quant_tensors(model)
    probe = stats_model(model, tensors)
    root, _ = link_tree(f"tree_bench_calib_{args.images}", 1, args.images)
    src = load_dataset(f"folder:{root}")
    batches = [x for x, _ in src.batches(224, 3, detect_convention(model), args.rows)]
    is_input = [t.op == "INPUT" for t in tensors]
    no_weights = tf.zeros([0], tf.int32)

    def variant(part: str):
        def step(x):
            if part == "float":
                return model(x, training=False)
            outs = iter(probe(x, training=False))
            flat = [tf.reshape(x if inp else next(outs), [-1]) for inp in is_input]
            results = []
            for a in flat:
                vmin, vmax = tf.reduce_min(a), tf.reduce_max(a)
                if part == "min_max":
                    results += [vmin, vmax]
                    continue
                lo = tf.minimum(vmin, 0.0)
                idx = tf.cast((a - lo) * (BINS / tf.maximum(vmax - lo, 1e-12)), tf.int32)
                if part == "bin_index":
                    results.append(tf.cast(tf.reduce_max(idx), tf.float32))
                    continue
                results.append(tf.reduce_sum(tf.raw_ops.DenseBincount(input=idx, size=BINS + 1, weights=no_weights,
                                                                      binary_output=False)))
            return tf.stack([tf.cast(r, tf.float32) for r in results])
        signature = [tf.TensorSpec((None, 224, 224, 3), tf.float32)]
        return tf.function(step, input_signature=signature, autograph=False)

    steps = {part: variant(part) for part in PARTS}
    stats = GraphStats(model, tensors, probe, BINS)
    k = len(tensors)
    lo, width, empty = np.zeros(k), np.ones(k), np.ones(k, bool)
    steps["qftune"] = lambda x: stats._step(x, lo, width, empty, np.float64(BINS))[2]
    for f in steps.values():                   # trace
        np.asarray(f(batches[0]))

    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(args.repeat):
        for name, f in steps.items():
            t0 = time.perf_counter()
            for x in batches:
                np.asarray(f(x))
            times[name].append(time.perf_counter() - t0)
    n = sum(len(x) for x in batches)
    best = {name: min(ts) for name, ts in times.items()}
    per_image = {name: 1e3 * s / n for name, s in best.items()}
    previous, added = None, {}
    for name in PARTS:
        added[name] = per_image[name] - (per_image[previous] if previous else 0.0)
        previous = name
    values = sum(int(np.prod([d or 1 for d in t.shape])) for t in tensors)
    print(json.dumps({
        "bench": "calibration parts", "model": "keras.applications MobileNetV2 1.0, 224x224x3, 1000 logits",
        "tensors": k, "values_per_image": values, "images": n, "rows_per_pass": args.rows, "bins": BINS,
        "ms_per_image": per_image, "ms_per_image_added_by_part": added,
        "ratio_to_float": {name: per_image[name] / per_image["float"] for name in steps},
        "ns_per_value_added_by_part": {name: 1e6 * ms / values for name, ms in added.items()},
        "seconds_all": times, "load_average_1min": {"start": load_start, "end": os.getloadavg()[0]},
        "cpus": os.cpu_count(),
    }, indent=1))


if __name__ == "__main__":
    main()
