"""Issue 21 through the GUI's real path: release -> live figures on screen, with the engine process.
Prints JSON.

    QT_QPA_PLATFORM=offscreen bench/bench_live_gui.py [--images 500] [--edits 20]
    QT_QPA_PLATFORM=offscreen nice -n 10 bench/bench_live_gui.py --model-224 --images 100

``--model-224``: keras.applications MobileNetV2 1.0 at 224 px (weights=None, BatchNorm statistics from
generated images, calibrated on a 1,000-class folder of generated JPEGs: ``bench/_live_224.py``).
Also measured: the engine process's memory (VmRSS now and its peak VmHWM) with the simulation warm,
and how long a superseded computation takes to stop (an edit at the shallowest tensor, which re-runs
the whole network, is superseded by another edit mid-computation: from that edit to the old job's
end, i.e. the engine process has stopped computing it), ``--supersede`` times; and the load average.

The bundled QF-MobileNetV2 session (28 px) opens in the app (offscreen); its live set (``--images``
held-out images) is built in the engine helper process. Then ``--edits`` range edits at depths spread
over the plan's editable tensors (each narrows the max by 20 %, committed as a drag release commits
it: ``TensorPanel.commit``), one after the other: the time from the commit to the live panel showing
the new figures (the Qt event loop running meanwhile), median and p90; and the engine's own
re-scoring time per edit for comparison (the rest is the process round trip and the UI).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=500)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--session", default=str(ROOT / "resources" / "sessions" / "mobilenet_v2_qf_fmnist.qft"))
    ap.add_argument("--model-224", action="store_true", help="keras.applications MobileNetV2 1.0 at 224 px")
    ap.add_argument("--supersede", type=int, default=5, help="superseded computations to time")
    args = ap.parse_args()
    load_before = os.getloadavg()
    if args.model_224:
        sys.path.insert(0, str(ROOT / "bench"))
        from _live_224 import live_224_session

        args.session = live_224_session()[0]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui import engine_process
    from gui.app import QftuneApp

    qapp = QApplication.instance() or QApplication([])
    tmp = tempfile.mkdtemp(prefix="qftune_bench_live_")
    app = QftuneApp(QSettings(f"{tmp}/s.ini", QSettings.IniFormat), recovery_dir=f"{tmp}/rec")
    app.window.show()
    panel = app.window.live_panel
    panel.live.n_images = args.images

    def wait(cond, timeout=600):
        t0 = time.perf_counter()
        while not cond():
            qapp.processEvents()
            time.sleep(0.001)
            if time.perf_counter() - t0 > timeout:
                raise SystemExit("timed out")

    t0 = time.perf_counter()
    app.open(args.session)
    wait(lambda: panel.live.status == "ready")
    build_s = time.perf_counter() - t0
    plan = app.state.plan
    names = [n for n in plan.names[1:] if not plan[n].locked and plan[n].max > 0]
    picks = [names[int(i)] for i in np.linspace(0, len(names) - 1, args.edits)]
    times, engine, starts = [], [], []
    for name in picks:
        app.state.select(name)
        before = panel.shown
        t = time.perf_counter()
        app.window.tensor_panel.commit(plan[name].min, 0.8 * plan[name].max)
        wait(lambda b=before: not panel.greyed and panel.shown is not b and panel.live.status == "ready")
        times.append(time.perf_counter() - t)
        engine.append(panel.shown["seconds"])
        starts.append(panel.shown["recomputed_from"])
    t = np.asarray(times)
    memory = engine_memory_mb()
    tried = [supersede_once(app, panel, plan, names, wait) for _ in range(args.supersede)]
    stops = [s for s in tried if s is not None]
    out = {"cpus": os.cpu_count(), "load_average_before": [round(v, 2) for v in load_before],
           "load_average_after": [round(v, 2) for v in os.getloadavg()], "engine_memory_mb": memory,
           "superseded_stop_s": [round(v, 3) for v in stops],
           "superseded_stop_max_s": round(max(stops), 3) if stops else None,
           "superseded_not_measured": len(tried) - len(stops),
           "session": Path(args.session).name, "live_images": args.images,
           "segments": panel.live.info.get("segments"), "open_to_first_figures_s": round(build_s, 2),
           "edits": len(t), "release_to_figures_median_s": round(float(np.median(t)), 3),
           "release_to_figures_p90_s": round(float(np.percentile(t, 90)), 3), "max_s": round(float(t.max()), 3),
           "engine_rescore_median_s": round(float(np.median(engine)), 3),
           "per_edit_s": [round(float(v), 3) for v in t], "tensors": picks, "recomputed_from": starts,
           "last_figures": panel.shown}
    app.window.live_panel.live.shutdown()
    app.window.force_close()
    engine_process.stop()
    print(json.dumps(out, indent=2))


def engine_memory_mb() -> dict:
    """VmRSS and VmHWM (peak) of the engine helper process(es), in MB."""
    from gui import engine_process

    out = {}
    pool = engine_process._pool
    for pid in list(getattr(pool, "_processes", {}) or {}):
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
        out[str(pid)] = {k: round(int(fields[k].split()[0]) / 1024, 1) for k in ("VmRSS", "VmHWM")}
    return out


def supersede_once(app, panel, plan, names, wait) -> float | None:
    """An edit at the shallowest tensor (the whole network re-runs), superseded mid-computation by an
    edit at the deepest: seconds from the superseding edit to the first job's end (the engine stopped);
    None when the first job ended before the newer edit reached it (nothing to measure)."""
    live = panel.live
    first = names[0]
    app.state.select(first)
    app.window.tensor_panel.commit(plan[first].min, 0.9 * plan[first].max)
    wait(lambda: live.runner.current is not None and getattr(live.runner.current, "live_kind", "") == "edit")
    job = live.runner.current
    deadline = time.perf_counter() + 0.1            # inside the computation (a whole re-run: 0.3-1 s)
    while time.perf_counter() < deadline:
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()
        time.sleep(0.001)
    if job.status != "running":
        return None                                 # it ended before it could be superseded: not measured
    ended = []
    job.ended.connect(lambda _s: ended.append(time.perf_counter()))
    last = names[-1]
    app.state.select(last)
    t = time.perf_counter()
    app.window.tensor_panel.commit(plan[last].min, 0.9 * plan[last].max)
    wait(lambda: bool(ended))
    cancelled = job.status == "cancelled"          # else it finished before the newer edit reached it
    wait(lambda: not panel.greyed and panel.live.status == "ready")
    return ended[0] - t if cancelled else None


if __name__ == "__main__":
    main()
