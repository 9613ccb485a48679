"""Streaming evaluation at ImageNet scale: peak RSS flat in N, throughput vs a bare LiteRT loop; prints JSON.

    python bench/bench_eval_stream.py [--sizes 2000 10000] [--threads 1] [--bare 1000]

Data: a tree of 10 classes of symlinks to 300 real 224-px JPEGs (made once, cached under
``~/.cache/qftune-bench``, see ``bench/_bench_images.py``). Model: an int8 MobileNetV2 1.0 at
224x224x3, 1,000 outputs, built by qftune's own builder (untrained; calibrated and exported
with qftune's exporter) -- keras.applications layers are not exported on this branch yet.

For each N a child process runs ``core.evaluate.evaluate`` (the code behind ``qftune
evaluate``) on N files; its peak RSS is ``ru_maxrss`` from ``wait4`` and its throughput
is N / the evaluate call's seconds (TensorFlow imported before it, its import time reported apart:
the bare loop's imports and set-up are not timed either). The baseline child decodes ``--bare`` images up front
(PIL, resized, int8), then times a bare loop of ``set_tensor`` + ``invoke`` over them with
the same thread count. Both children also report CPU time per image (the machine may be
shared; then wall-clock ratios mostly measure the other load). Targets (issue 9): peak RSS < 2.5 GB and flat in N; evaluate's
seconds per image <= 1.25x the bare loop's.
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


def child_eval(tflite: str, root: str, n: int, threads: int) -> None:
    t0 = time.perf_counter()
    import tensorflow  # noqa: F401  (imported once per process: timed apart, as the bare loop's imports are)

    tf_import_s = time.perf_counter() - t0
    from core.workflows.evaluate import evaluate

    # The tree has 10 class folders and the model 1,000 outputs: a --class-map file names the
    # model's outputs (the folders first), as a user scoring a subset must (qftune refuses otherwise).
    folders = sorted(p.name for p in Path(root).iterdir() if p.is_dir())
    class_map = Path(root).parent / f"{Path(root).name}.classes.txt"
    class_map.write_text("\n".join(folders + [f"unused_{i}" for i in range(len(folders), 1000)]) + "\n")
    t0, c0 = time.perf_counter(), time.process_time()
    r = evaluate(tflite, f"folder:{root}", threads=threads, limit=n, class_map=str(class_map))
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"n_images": r.n_images, "seconds": secs, "images_per_s": r.n_images / secs,
                      "cpu_ms_per_image": cpu / r.n_images * 1000, "latency_ms_median": r.latency_ms_median,
                      "top1": r.top1, "tf_import_s": tf_import_s}))


def child_bare(tflite: str, root: str, n: int, threads: int) -> None:
    import numpy as np
    from PIL import Image

    from core.export.litert import load_interpreter

    interp = load_interpreter(tflite, threads=threads)
    inp = interp.get_input_details()[0]
    size = int(inp["shape"][1])
    files = sorted(Path(root).glob("*/*.jpg"))[:n]
    xs = [(np.asarray(Image.open(f).convert("RGB").resize((size, size), Image.BILINEAR)).astype(np.int16) - 128)
          .astype(np.int8)[None] for f in files]
    for x in xs[:5]:
        interp.set_tensor(inp["index"], x)
        interp.invoke()
    t0, c0 = time.perf_counter(), time.process_time()
    for x in xs:
        interp.set_tensor(inp["index"], x)
        interp.invoke()
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"n_images": len(xs), "seconds": secs, "images_per_s": len(xs) / secs,
                      "cpu_ms_per_image": cpu / len(xs) * 1000}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bare", type=int, default=1000, help="images in the bare-loop baseline")
    ap.add_argument("--child", choices=["eval", "bare", "prepare"], default=None, help=argparse.SUPPRESS)
    ap.add_argument("--tflite", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--root", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "eval":
        return child_eval(args.tflite, args.root, args.n, args.threads)
    if args.child == "bare":
        return child_bare(args.tflite, args.root, args.n, args.threads)
    from _bench_images import link_tree, mobilenet_v2_224, run_child

    if args.child == "prepare":
        print(json.dumps({"tflite": str(mobilenet_v2_224()[1])}))
        return None

    # this process never imports TensorFlow: a child's ru_maxrss starts from its parent's RSS at fork
    load = os.getloadavg()[0]
    prepared, _, _ = run_child([sys.executable, str(Path(__file__).resolve()), "--child", "prepare"])
    tflite = Path(prepared["tflite"])
    biggest = max(args.sizes)
    root, made_s = link_tree(f"tree_eval_{biggest}", 10, -(-biggest // 10))
    me = [sys.executable, str(Path(__file__).resolve()), "--threads", str(args.threads), "--tflite", str(tflite),
          "--root", str(root)]
    bare, bare_rss, _ = run_child(me + ["--child", "bare", "--n", str(args.bare)])
    runs = []
    for n in args.sizes:
        res, rss, wall = run_child(me + ["--child", "eval", "--n", str(n)])
        ratio = (1 / res["images_per_s"]) / (1 / bare["images_per_s"])
        runs.append({"n_images": res["n_images"], "peak_rss_mb": round(rss, 1), "wall_s": round(wall, 1),
                     "evaluate_s": round(res["seconds"], 1), "tf_import_s": round(res["tf_import_s"], 1),
                     "images_per_s": round(res["images_per_s"], 2),
                     "time_per_image_vs_bare": round(ratio, 3), "latency_ms_median": round(res["latency_ms_median"], 2),
                     "cpu_ms_per_image": round(res["cpu_ms_per_image"], 2),
                     "load_avg_after": os.getloadavg()[0]})
    rss = [r["peak_rss_mb"] for r in runs]
    print(json.dumps({
        "model": f"{tflite.name} (qftune MobileNetV2 1.0, 224x224x3, 1000 classes, int8)",
        "data": f"{root} (10 classes of symlinks to 300 real 224-px JPEGs; created in {made_s:.0f} s)",
        "threads": args.threads, "load_avg_at_start": load,
        "bare_loop": {"n_images": bare["n_images"], "images_per_s": round(bare["images_per_s"], 2),
                      "cpu_ms_per_image": round(bare["cpu_ms_per_image"], 2), "peak_rss_mb": round(bare_rss, 1)},
        "note": "the machine is shared: compare cpu_ms_per_image (all threads of the process) when the load "
                "average exceeds the 2 cores; decode hides behind the model when evaluate's CPU minus the bare "
                "loop's is below the bare loop's wall time per image on the other core",
        "evaluate": runs,
        "peak_rss_max_mb": max(rss), "peak_rss_spread_mb": round(max(rss) - min(rss), 1),
        "targets": {"peak_rss_mb_below": 2500, "time_per_image_vs_bare_at_most": 1.25},
        "met": {"rss": max(rss) < 2500, "throughput": all(r["time_per_image_vs_bare"] <= 1.25 for r in runs)},
    }, indent=1))


if __name__ == "__main__":
    main()
