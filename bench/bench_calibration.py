"""Calibration cost against a plain float forward pass over the same images; prints JSON.

    python bench/bench_calibration.py [--model M.keras] [--images 100] [--batch-size 32]

Both passes use ``predict_on_batch`` on the same batches after one warm-up batch
(graph tracing excluded from both); the calibration pass includes the multi-output
forward pass and every histogram update. Default model: the bundled QF-MobileNetV2
if present, else a freshly built one (width 0.5, 28x28x1, 10 classes).
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
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import numpy as np

    from core.calib.collect import collect_stats, model_inputs, stats_model
    from core.data import load_dataset
    from core.quant.tensors import quant_tensors

    bundled = ROOT / "resources/models/mobilenet_v2_qf_fmnist.keras"
    path = args.model or (str(bundled) if bundled.exists() else None)
    if path:
        from core.calibrate import load_keras_model

        model, name = load_keras_model(path), path
    else:
        from core.models import QFConfig, build

        model, name = build("mobilenet-v2", width=0.5, qf=QFConfig.full()), "built mobilenet-v2 width 0.5 QF (untrained)"
    tensors = quant_tensors(model)
    ds = load_dataset("embedded", "train")
    images = np.concatenate([ds.images] * (args.images // len(ds) + 1))[: args.images]
    bs = args.batch_size
    batches = [model_inputs(model, images[i:i + bs]) for i in range(0, len(images), bs)]

    t0 = time.perf_counter()
    model.predict_on_batch(batches[0])                       # warm-up: trace both graphs
    cold_plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    collect_stats(model, tensors, images[:bs], batch_size=bs)
    cold_calib = time.perf_counter() - t0

    def plain():
        t0 = time.perf_counter()
        for x in batches:                                    # same padding of the last batch as calibration
            rows = len(x)
            if rows < bs:
                x = np.concatenate([x, np.repeat(x[-1:], bs - rows, axis=0)])
            np.asarray(model.predict_on_batch(x))[:rows]
        return time.perf_counter() - t0

    def calib():
        t0 = time.perf_counter()
        _, meta = collect_stats(model, tensors, images, batch_size=bs)
        return time.perf_counter() - t0, meta

    plain_t, calib_t, metas = [], [], []
    for _ in range(args.repeat):
        plain_t.append(plain())
        t, meta = calib()
        calib_t.append(t)
        metas.append(meta)
    p, c = min(plain_t), min(calib_t)
    best = metas[int(np.argmin(calib_t))]
    print(json.dumps({
        "bench": "calibration", "model": name, "tensors": len(tensors), "images": len(images), "batch_size": bs,
        "float_forward_s": p, "calibration_s": c, "ratio": c / p, "goal_ratio": 2.0,
        "calibration_forward_part_s": best["forward_s"], "calibration_histogram_part_s": best["stats_s"],
        "first_batch_with_tracing_s": {"float": cold_plain, "calibration": cold_calib},
        "float_forward_s_all": plain_t, "calibration_s_all": calib_t,
        "load_average_1min": os.getloadavg()[0], "cpus": os.cpu_count(),
    }, indent=1))


if __name__ == "__main__":
    main()
