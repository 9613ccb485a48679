"""calibrate --per-class 1 on an ImageNet-sized tree: 1,000 classes x 1,280 files; prints JSON.

    python bench/bench_calib_tree.py [--classes 1000] [--per-class-files 1280] [--method greedy]

The tree is 1.28 M symlinks to 300 real 224-px JPEGs (made once, cached under
``~/.cache/qftune-bench``); the model is qftune's MobileNetV2 1.0 at 224x224x3 with 1,000
classes (``bench/_bench_images.py``). Each measurement is a child process whose peak RSS
is ``ru_maxrss`` from ``wait4`` (this process never imports TensorFlow): first the file
listing alone (``core.data.folder.list_tree``), then ``python -m core.cli calibrate MODEL
--data folder:TREE --per-class 1``. Targets (issue 9): under 60 s wall and 2 GB RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

LIST = ("import json, sys, time; t = time.perf_counter(); from core.data.folder import list_tree; "
        "p, l, c = list_tree(sys.argv[1]); print(json.dumps({'files': len(p), 'classes': len(c), "
        "'seconds': time.perf_counter() - t}))")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--per-class-files", type=int, default=1280)
    ap.add_argument("--method", default="greedy")
    ap.add_argument("--batch-size", type=int, default=32, help="calibrate --batch-size (default 32, its default)")
    ap.add_argument("--child", choices=["prepare"], default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    from _bench_images import link_tree, mobilenet_v2_224, run_child

    if args.child == "prepare":
        print(json.dumps({"keras": str(mobilenet_v2_224()[0])}))
        return
    load = os.getloadavg()[0]
    prepared, _, _ = run_child([sys.executable, str(Path(__file__).resolve()), "--child", "prepare"])
    root, made_s = link_tree(f"tree_calib_{args.classes}x{args.per_class_files}", args.classes,
                             args.per_class_files)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    listing, list_rss, list_wall = run_child([sys.executable, "-c", LIST, str(root)], env=env)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s.qft"
        cmd = [sys.executable, "-m", "core.cli", "calibrate", prepared["keras"], "--data", f"folder:{root}",
               "--per-class", "1", "--method", args.method, "--batch-size", str(args.batch_size), "--out", str(out)]
        printed, rss, wall = run_child(cmd, env=env, parse=False)
        import zipfile

        with zipfile.ZipFile(out) as z:
            meta = json.loads(z.read(next(n for n in z.namelist() if n.endswith(".json"))))
    print(json.dumps({
        "tree": f"{root} ({listing['files']} symlinks, {listing['classes']} classes; created in {made_s:.0f} s)",
        "model": f"{prepared['keras']} (qftune MobileNetV2 1.0, 224x224x3, 1000 classes)",
        "command": " ".join(cmd[1:]), "load_avg_at_start": load,
        "listing": {"seconds": round(listing["seconds"], 2), "wall_s": round(list_wall, 2),
                    "peak_rss_mb": round(list_rss, 1)},
        "calibrate": {"wall_s": round(wall, 1), "cpu_s": round(run_child.cpu_s, 1), "peak_rss_mb": round(rss, 1),
                      "load_avg_after": os.getloadavg()[0], "printed": printed.strip(),
                      "n_images": (meta or {}).get("calibration", {}).get("n_images")},
        "targets": {"wall_s_below": 60, "peak_rss_mb_below": 2000},
        "met": {"wall": wall < 60, "rss": rss < 2000},
    }, indent=1))


if __name__ == "__main__":
    main()
