"""Shared by the streaming benchmarks: a cache of real JPEGs, trees of links to them, a 224-px model.

Everything lives under ``$QFTUNE_BENCH_CACHE`` (default ``~/.cache/qftune-bench``) and is made once.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

CACHE = Path(os.environ.get("QFTUNE_BENCH_CACHE", Path.home() / ".cache" / "qftune-bench"))


def source_jpegs(n: int = 300, size: int = 224) -> list[Path]:
    """``n`` real ``size`` x ``size`` JPEGs (smooth random colour fields + noise, quality 90)."""
    import numpy as np
    from PIL import Image

    folder = CACHE / f"jpeg{size}"
    done = folder / ".complete"
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(0)
        for i in range(n):
            small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
            im = Image.fromarray(small).resize((size, size), Image.BICUBIC)
            arr = np.asarray(im).astype(np.int16) + rng.integers(-12, 13, (size, size, 3))
            Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(folder / f"{i:04d}.jpg", quality=90)
        done.write_text(str(n))
    return sorted(folder.glob("*.jpg"))


def link_tree(name: str, classes: int, per_class: int, size: int = 224, hard: bool = False) -> tuple[Path, float]:
    """``CACHE/name/c####/i#######.jpg`` links to the source JPEGs; (root, seconds spent creating it, 0 if cached)."""
    src = source_jpegs(size=size)
    root = CACHE / name
    done = root / ".complete"
    if done.exists():
        return root, 0.0
    t0 = time.perf_counter()
    k = 0
    for c in range(classes):
        d = root / f"c{c:04d}"
        d.mkdir(parents=True, exist_ok=True)
        for _ in range(per_class):
            target = d / f"i{k:07d}.jpg"
            if not target.exists():
                (os.link if hard else os.symlink)(src[k % len(src)], target)
            k += 1
    done.write_text(json.dumps({"classes": classes, "per_class": per_class}))
    return root, time.perf_counter() - t0


def mobilenet_v2_224(classes: int = 1000) -> tuple[Path, Path]:
    """(float .keras, int8 .tflite) of a qftune-built MobileNetV2 1.0 at 224x224x3, 1,000 classes.

    Untrained; its BatchNorm statistics are set from 32 real JPEGs (as the tests' fixtures do,
    else activations are ~1e-9), then calibrated (min/max) on the same 32 and exported.
    """
    keras_path = CACHE / f"mnv2_224_{classes}.keras"
    tflite_path = CACHE / f"mnv2_224_{classes}_int8.tflite"
    if not keras_path.exists():
        import keras

        from core.data import load_dataset
        from core.models import build
        from core.models.convention import PIXEL_01

        keras.utils.set_random_seed(0)
        CACHE.mkdir(parents=True, exist_ok=True)
        model = build("mobilenet-v2", input_size=224, input_channels=3, classes=classes, width=1.0)
        root, _ = link_tree("tree_calib32", 1, 32)
        x, _ = next(load_dataset(f"folder:{root}").batches(224, 3, PIXEL_01, batch_size=32))
        bns = [layer for layer in model.layers if type(layer).__name__ == "BatchNormalization"]
        for layer in bns:
            layer.momentum = 0.0
        model(x, training=True)
        for layer in bns:
            layer.momentum = 0.99
        model.save(keras_path)
    if not tflite_path.exists():
        from core.calibrate import calibrate
        from core.export import export_int8
        from core.models.loading import load_model

        root, _ = link_tree("tree_calib32", 1, 32)
        session = calibrate(str(keras_path), f"folder:{root}", per_class=None, method="minmax")
        export_int8(load_model(keras_path), session.plan.tensors, session.plan.ranges(),
                    tflite_path, source=str(keras_path))
    return keras_path, tflite_path


# Forks ``argv`` from a small Python and reports its rusage: a child forked straight from this (maybe large)
# process would report this process's RSS as its own peak (Linux keeps the larger of the pre-exec and
# post-exec high-water marks in ru_maxrss), so a bench that built its model first measured ~3.5 GB for every tool
_SPAWN = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, u = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    json.dump({"rc": os.waitstatus_to_exitcode(status), "maxrss_kb": u.ru_maxrss, "cpu_s": u.ru_utime + u.ru_stime}, f)
"""


def run_child(args: list[str], env=None, parse: bool = True) -> tuple[dict | str, float, float]:
    """Run ``args``; (its last stdout line as JSON, or all stdout if not ``parse``; peak RSS in MB; wall seconds).

    The peak RSS and CPU time are the child's own (``wait4`` in a small launcher, see ``_SPAWN``).
    """
    import shutil
    import subprocess
    import sys
    import tempfile

    exe = args[0] if os.path.sep in args[0] else shutil.which(args[0]) or args[0]
    with tempfile.NamedTemporaryFile("r", suffix=".json") as usage_file:
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-c", _SPAWN, usage_file.name, exe, *args[1:]],
                           capture_output=True, env=env, text=True)
        wall = time.perf_counter() - t0
        usage = json.loads(usage_file.read() or "{}")
    if p.returncode != 0 or usage.get("rc") != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed ({usage.get('rc', p.returncode)}):\n{p.stderr[-3000:]}")
    run_child.cpu_s = usage["cpu_s"]
    out = p.stdout
    if not parse:
        return out, usage["maxrss_kb"] / 1024.0, wall
    lines = [line for line in out.splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else {}, usage["maxrss_kb"] / 1024.0, wall
