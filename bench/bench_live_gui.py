"""Issue 21 through the GUI's real path: release -> live figures on screen, with the engine process.
Prints JSON.

    QT_QPA_PLATFORM=offscreen bench/bench_live_gui.py [--images 500] [--edits 20]

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
    args = ap.parse_args()
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
    out = {"cpus": os.cpu_count(), "session": Path(args.session).name, "live_images": args.images,
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


if __name__ == "__main__":
    main()
