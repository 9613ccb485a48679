"""Training throughput of the three tf.distribute set-ups on the same data, on this machine. Prints JSON.

    .venv/bin/python bench/bench_train_strategies.py [--size 96] [--images 256] [--epochs 3] [--batch 32]

one-device (1 process), mirrored over 2 logical CPU devices (1 process, QFTUNE_LOGICAL_CPUS=2) and
multi-worker (2 processes on 127.0.0.1, TF_CONFIG), each a real ``qftune train`` of a MobileNetV2
(width 0.35) on the same generated folder of PNGs. images/s is taken from the run log's epochs after
the first (the first one includes graph tracing), summed over workers. On a 2-core CPU every set-up
shares the same two cores, so this measures the overhead of the distribution machinery (replica
split, all-reduce, input sharding), not a speed-up.
"""

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_folder(root: Path, n: int, size: int) -> Path:
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in range(4):
        (root / f"class{c}").mkdir(parents=True)
        for i in range(n // 4):
            pixels = np.clip(rng.normal(40 + 50 * c, 40, (size, size, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / f"class{c}" / f"{i:04d}.jpg", quality=90)
    return root


def _ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def run(kind, data, out, args):
    cmd = [sys.executable, "-m", "core.cli", "train", "--arch", "mobilenet-v2", "--width", "0.35",
           "--data", f"folder:{data}", "--epochs", str(args.epochs), "--batch-size", str(args.batch),
           "--input-size", str(args.size), "--strategy", kind, "--out", str(out)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    t0 = time.perf_counter()
    if kind == "multi-worker":
        ports = _ports(2)
        procs = []
        for i in range(2):
            cfg = {"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]}, "task": {"type": "worker", "index": i}}
            procs.append(subprocess.Popen(cmd, cwd=ROOT, env={**env, "TF_CONFIG": json.dumps(cfg)},
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        errs = [p.communicate()[1] for p in procs]
        if any(p.returncode for p in procs):
            raise SystemExit(f"{kind} failed:\n" + "\n".join(e[-2000:] for e in errs))
    else:
        extra = {"QFTUNE_LOGICAL_CPUS": "2"} if kind == "mirrored" else {}
        r = subprocess.run(cmd, cwd=ROOT, env={**env, **extra}, capture_output=True, text=True)
        if r.returncode:
            raise SystemExit(f"{kind} failed:\n{r.stderr[-2000:]}")
    wall = time.perf_counter() - t0
    log = json.loads(out.with_suffix(".log.json").read_text())
    workers = log["runs"][-1]["workers"]
    per_worker = [e["images_per_s_per_worker"] for e in log["epochs"][1:] if "images_per_s_per_worker" in e]
    return {"strategy": log["runs"][-1]["strategy"], "replicas": log["runs"][-1]["replicas"], "workers": workers,
            "images_per_s": round(float(np.median(per_worker)) * workers, 1),
            "images_per_s_per_worker": round(float(np.median(per_worker)), 1),
            "epoch_time_s": [round(e["time_s"], 2) for e in log["epochs"]], "wall_s": round(wall, 1)}


def input_only(data: Path, size: int, batch: int, seconds: float = 10.0) -> dict:
    """images/s of the streaming input alone (decode, random resized crop, flip, convention), no model:
    what one machine's CPUs can feed its GPUs."""
    import tensorflow as tf

    from core.models.convention import PIXEL_PM1
    from core.training.input import open_training_data

    train_data = open_training_data(f"folder:{data}")
    ds = train_data.dataset(None, batch, size, PIXEL_PM1, augment=True, seed=0)
    it = iter(ds)
    next(it)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        next(it)
        n += batch
    rate = n / (time.perf_counter() - t0)
    return {"input_px": size, "source_px": int(train_data.native_size), "images_per_s": round(rate, 1),
            "cores": os.cpu_count(), "images_per_s_per_core": round(rate / os.cpu_count(), 1),
            "tf_threads": tf.data.Options().threading.private_threadpool_size or "default (all cores)"}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=96, help="input size (>= 96: random resized crop + flip)")
    p.add_argument("--images", type=int, default=256)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch", type=int, default=32, help="global batch")
    p.add_argument("--input-only", action="store_true", help="only the 224-px input pipeline measurement")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pipeline = input_only(make_folder(Path(tmp) / "jpeg256", 256, 256), 224, 64)
    if args.input_only:
        print(json.dumps({"bench": "train_input_pipeline", "pipeline_224px": pipeline}, indent=2))
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = make_folder(Path(tmp) / "data", args.images, args.size + 32)
        results = {kind: run(kind, data, Path(tmp) / kind / "m.keras", args)
                   for kind in ("one-device", "mirrored", "multi-worker")}
    base = results["one-device"]["images_per_s"]
    for r in results.values():
        r["vs_one_device"] = round(r["images_per_s"] / base, 2) if base else None
    print(json.dumps({"bench": "train_strategies", "model": "mobilenet-v2 width 0.35", "input_px": args.size,
                      "images": args.images, "global_batch": args.batch, "epochs": args.epochs,
                      "results": results, "pipeline_224px": pipeline, "machine": platform.machine(), "cpus": os.cpu_count(),
                      "load_average": os.getloadavg()}, indent=2))


if __name__ == "__main__":
    main()
