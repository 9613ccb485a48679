"""End-to-end update time of a region drag in the GUI: a real mouse-move event on the
histogram's viewport -> edge snapped to the int8 grid -> plan estimate -> readouts ->
synchronous repaint. Target: < 16 ms per move (60 fps). Moves are paced ~11 ms apart
(pyqtgraph ignores moves closer than 10 ms). Prints JSON.

    QT_QPA_PLATFORM=offscreen python bench/bench_drag_update.py [--session S.qft] [--moves 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--session")
    ap.add_argument("--moves", type=int, default=200)
    ap.add_argument("--tensor", help="tensor to drag (default: the widest-range conv output in the middle "
                                     "of the network, a full 2048-bin histogram)")
    args = ap.parse_args()
    from _gui_session import bench_session

    path, what = bench_session(args.session)

    from PySide6.QtCore import QPointF, QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    qapp = QApplication.instance() or QApplication([])
    import tempfile

    from gui.app import QftuneApp

    tmp = tempfile.mkdtemp(prefix="qftune_bench_")
    app = QftuneApp(QSettings(os.path.join(tmp, "s.ini"), QSettings.IniFormat), recovery_dir=tmp)
    app.window.show()
    app.open(path)
    while app.runner.busy or app.state.plan is None:
        qapp.processEvents()
        time.sleep(0.005)
    plan = app.state.plan
    names = plan.names
    middle = [n for n in names[len(names) // 4: 3 * len(names) // 4] if not plan[n].locked] or names[1:]
    name = args.tensor or max(middle, key=lambda n: plan[n].max)
    app.state.select(name)
    view = app.window.tensor_panel.view
    for _ in range(5):
        qapp.processEvents()
    vb = view.plot.getPlotItem().getViewBox()
    (_, _), (ylo, yhi) = vb.viewRange()
    y = 0.5 * (ylo + yhi)

    def px(x):
        return view.plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))

    vp = view.plot.viewport()
    hi = plan[name].max
    start = px(hi)
    readouts = []
    view.rangePreview.connect(lambda a, b: readouts.append(b))
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, start)
    times = []
    for i in range(args.moves):
        frac = 0.95 - 0.6 * (i % 100) / 100.0
        p = px(hi * frac)
        n_before = len(readouts)
        t0 = time.perf_counter()
        QTest.mouseMove(vp, p)
        vp.repaint()                       # the redraw, synchronously
        view.readouts["sqnr_db"].repaint()
        if len(readouts) > n_before:       # count only moves that changed the range
            times.append((time.perf_counter() - t0) * 1000.0)
        # pace the moves like a mouse (~90 Hz): pyqtgraph drops moves closer than 10 ms
        # (mouseRateLimit), which would leave only the slow ones in the sample
        while time.perf_counter() - t0 < 0.011:
            time.sleep(0.0005)
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, px(hi * 0.5))
    t0 = time.perf_counter()
    plan.estimate(name, plan[name].min, hi * 0.7)
    est_ms = (time.perf_counter() - t0) * 1000.0
    times.sort()
    result = {
        "benchmark": "gui_drag_update",
        "session": what, "tensor": name, "moves": args.moves, "moves_that_changed_the_range": len(times),
        "median_ms": round(statistics.median(times), 3),
        "p90_ms": round(times[int(0.9 * (len(times) - 1))], 3),
        "max_ms": round(times[-1], 3),
        "plan_estimate_ms": round(est_ms, 4),
        "target_ms": 16.0,
        "meets_target": statistics.median(times) < 16.0,
        "undo_entries_after_drag": app.state.undo_stack.count(),
        "load_average": os.getloadavg()[0],
    }
    app.window.force_close()
    print(json.dumps(result, indent=2))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
