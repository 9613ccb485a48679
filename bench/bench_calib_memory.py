"""Peak RSS and wall time of ``qftune calibrate`` on a keras.applications model at 224 px; prints JSON.

    python bench/bench_calib_memory.py [--arch mobilenet-v2] [--images 200] [--batch-size 32]

The model is ``qftune pretrained ARCH --weights none`` (1,000 classes, nothing downloaded); the images
are ``--images`` real 224-px JPEGs (``bench/_bench_images.py``) in one class folder of a temp tree.
Each step is a child process whose peak RSS is ``ru_maxrss`` from ``wait4``. Goal (issue 19): under
2 GB at the default batch 32 (before: 3.2-3.7 GB; collect_stats now runs a batch whose activations
exceed ``core.calib.collect.ACTIVATION_BUDGET`` in sub-batches).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="mobilenet-v2")
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()
    from _bench_images import run_child, source_jpegs

    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    qftune = [sys.executable, "-m", "core.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cls = tmp / "tree" / "c0"
        cls.mkdir(parents=True)
        src = source_jpegs()
        for i in range(args.images):
            os.symlink(src[i % len(src)], cls / f"i{i:05d}.jpg")
        model = tmp / "model.keras"
        run_child(qftune + ["pretrained", args.arch, "--weights", "none", "--out", str(model)], env=env, parse=False)
        load = os.getloadavg()[0]
        _, rss, wall = run_child(qftune + ["calibrate", str(model), "--data", f"folder:{tmp / 'tree'}", "--all",
                                           "--batch-size", str(args.batch_size), "--out", str(tmp / "s.qft")],
                                 env=env, parse=False)
    print(json.dumps({"bench": "calib_memory", "arch": args.arch, "size": 224, "images": args.images,
                      "batch_size": args.batch_size, "peak_rss_mb": round(rss), "wall_s": round(wall, 1),
                      "goal_peak_rss_mb": 2000, "load_average_1min": {"start": load, "end": os.getloadavg()[0]}}))


if __name__ == "__main__":
    main()
