"""Issue 21's memory target: the engine helper process with the simulation warm at 224 px, < 1.5 GB.
Prints JSON.

    bench/bench_live_memory.py [--images 100] [--edits 6]

Through the GUI's engine path without a window: :func:`gui.engine_process.run_remote` runs
:func:`gui.engine_live.live_open` on the 224 px session of ``bench/_live_224.py`` (keras.applications
MobileNetV2 1.0, 100 held-out generated images), then ``--edits`` range edits spread over the network
(:func:`gui.engine_live.live_edit`); after each step the engine process's VmRSS (now) and VmHWM (its
peak since it started) from /proc. ``bench/bench_live_gui.py --model-224`` measures the same process
while the window drives it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=100)
    ap.add_argument("--edits", type=int, default=6)
    args = ap.parse_args()
    import numpy as np
    from _live_224 import live_224_session
    from bench_live_gui import engine_memory_mb

    from core.models.convention import resolve_convention
    from core.plan.weight_entry import WeightPlan
    from core.progress import Progress
    from core.session import Session
    from gui import engine_live, engine_process

    path, _spec = live_224_session()
    s = Session.load(path)
    plan = s.plan
    steps = [{"step": "engine started", **_mem(engine_memory_mb, engine_process)}]
    t0 = time.perf_counter()
    result = engine_process.run_remote(engine_live.live_open, dict(
        key="bench", model_path=str(s.require_model()), tensors=list(plan.tensors), ranges=plan.ranges(),
        weight_plan=WeightPlan.of(plan), convention=resolve_convention(session=s).to_dict(),
        calibration=dict(s.calibration), n_images=args.images), Progress())
    steps.append({"step": "live set built", "seconds": round(time.perf_counter() - t0, 1),
                  "segments": result.get("segments"), **_mem(engine_memory_mb, engine_process)})
    editable = [t.name for t in plan.tensors if plan.locked_reason(t.name) is None]
    for name in [editable[int(i)] for i in np.linspace(0, len(editable) - 1, args.edits)]:
        p = plan.ranges()[name]
        plan.set_range(name, p.min, p.max * 1.1 if p.max > 0 else p.max + 0.1)
        t0 = time.perf_counter()
        engine_process.run_remote(engine_live.live_edit, dict(key="bench", ranges=plan.ranges(),
                                                               weight_plan=WeightPlan.of(plan)), Progress())
        steps.append({"step": f"edit {name}", "seconds": round(time.perf_counter() - t0, 2),
                      **_mem(engine_memory_mb, engine_process)})
    peak = max(r["VmHWM_mb"] for r in steps)
    out = {"model": "keras.applications MobileNetV2 1.0 224px", "live_images": args.images,
           "malloc_arena_max": os.environ.get("MALLOC_ARENA_MAX"), "engine_peak_mb": peak,
           "engine_rss_after_edits_mb": steps[-1]["VmRSS_mb"], "target_mb": 1536, "steps": steps,
           "load_average": os.getloadavg(), "cpus": os.cpu_count()}
    engine_process.stop()
    print(json.dumps(out, indent=1))


def _mem(engine_memory_mb, engine_process) -> dict:
    if engine_process._pool is None:
        engine_process._get_pool()
    (m,) = engine_memory_mb().values()
    return {"VmRSS_mb": m["VmRSS"], "VmHWM_mb": m["VmHWM"]}


if __name__ == "__main__":
    main()
