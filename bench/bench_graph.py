"""The Graph dock's speed on a ~200-node model: first paint (graph, layout, scene, colours, one
synchronous repaint of the view) and recolour on a metric change; in compare mode, both sides'
difference colours after a metric change and after a range edit on one side (no target of its own:
the recolour target, for the two panels together). Targets (issue 23): first paint < 300 ms,
recolour < 50 ms. Prints JSON.

The model is synthetic and shaped like MobileNetV3-Large (the plan's tensors of 18 inverted
residual blocks: expand, depthwise, squeeze-excite mean/reduce/expand/gate MUL, project, residual
ADD; ~200 tensors), each with a histogram of random calibration values: no TensorFlow needed.

    QT_QPA_PLATFORM=offscreen python bench/bench_graph.py [--blocks 18] [--repeats 5]
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


def synthetic_plan(blocks: int):
    import numpy as np

    from core.calib.histogram import Histogram
    from core.plan import Plan
    from core.quant.tensors import QTensor, _tie_groups

    tensors: list[QTensor] = []

    def add(name, op, inputs, act="linear"):
        tensors.append(QTensor(name, len(tensors), op, [name], (8, 8, 16), list(inputs), activation=act))
        return name

    x = add("image", "INPUT", [])
    x = add("stem", "CONV_2D", [x], "relu")
    for b in range(blocks):
        e = add(f"b{b}_expand", "CONV_2D", [x], "relu")
        h = add(f"b{b}_expand_hs", "HARD_SWISH", [e])
        d = add(f"b{b}_dw", "DEPTHWISE_CONV_2D", [h])
        dh = add(f"b{b}_dw_hs", "HARD_SWISH", [d])
        m = add(f"b{b}_se_mean", "MEAN", [dh])
        r = add(f"b{b}_se_reduce", "CONV_2D", [m], "relu")
        g = add(f"b{b}_se_expand", "CONV_2D", [r])
        s = add(f"b{b}_se_gate", "HARD_SWISH", [g])
        mul = add(f"b{b}_se_mul", "MUL", [dh, s])
        p = add(f"b{b}_project", "CONV_2D", [mul])
        x = add(f"b{b}_add", "ADD", [x, p]) if b % 3 else p
    x = add("head", "CONV_2D", [x], "relu")
    x = add("pool", "MEAN", [x])
    add("logits", "FULLY_CONNECTED", [x])
    _tie_groups(tensors)
    rng = np.random.default_rng(0)
    stats = {t.name: Histogram.from_values(rng.normal(0, 1 + t.index % 7, 4000).astype(np.float32), bins=512)
             for t in tensors}
    return Plan(tensors, stats, method="minmax")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--blocks", type=int, default=18)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    from core.session import Session
    from gui.graph_view import GraphPanel
    from gui.session_state import SessionState

    app = QApplication.instance() or QApplication([])
    plan = synthetic_plan(args.blocks)
    state = SessionState()
    state.set_session(Session(plan), None)
    first, recolour = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        panel = GraphPanel(state)
        panel.resize(400, 650)
        panel.show()
        app.processEvents()
        panel.view.viewport().repaint()
        first.append(1000 * (time.perf_counter() - t0))
        for i in (2, 1, 0):                      # range width, saturation, est. SQNR
            t0 = time.perf_counter()
            panel.metric_box.setCurrentIndex(i)
            panel.view.viewport().repaint()
            recolour.append(1000 * (time.perf_counter() - t0))
        panel.close()
        panel.deleteLater()
        app.processEvents()
    compare = compare_recolour(app, args.blocks, args.repeats)
    print(json.dumps({"nodes": len(plan), "edges": sum(len(t.inputs) for t in plan.tensors),
                      "compare_recolour_both_ms_median": round(statistics.median(compare), 1),
                      "compare_recolour_both_ms_max": round(max(compare), 1),
                      "first_paint_ms_median": round(statistics.median(first), 1),
                      "first_paint_ms_max": round(max(first), 1),
                      "recolour_ms_median": round(statistics.median(recolour), 1),
                      "recolour_ms_max": round(max(recolour), 1),
                      "targets_ms": {"first_paint": 300, "recolour": 50}}, indent=2))
    return 0


def compare_recolour(app, blocks: int, repeats: int) -> list[float]:
    """Compare mode's two DiffGraphPanels: a metric change on A, then a range edit on B, each
    recolouring both sides (ms, each with both views repainted)."""
    from core.session import Session
    from gui.compare_graph import DiffGraphPanel
    from gui.session_state import SessionState

    a, b = SessionState(), SessionState()
    a.set_session(Session(synthetic_plan(blocks)), None)
    b.set_session(Session(synthetic_plan(blocks)), None)
    pa, pb = DiffGraphPanel(a, "A"), DiffGraphPanel(b, "B")
    pa.pair_with(pb)
    pb.pair_with(pa)
    for p in (pa, pb):
        p.resize(500, 600)
        p.show()
    app.processEvents()
    names = b.plan.names
    times = []
    for r in range(repeats):
        for i in (2, 1, 0):
            t0 = time.perf_counter()
            pa.metric_box.setCurrentIndex(i)
            pa.view.viewport().repaint()
            pb.view.viewport().repaint()
            times.append(1000 * (time.perf_counter() - t0))
        name = names[5 + r]
        e = b.plan[name]
        t0 = time.perf_counter()
        b.set_range(name, e.min, 0.5 * e.max)
        pa.view.viewport().repaint()
        pb.view.viewport().repaint()
        times.append(1000 * (time.perf_counter() - t0))
    for p in (pa, pb):
        p.close()
        p.deleteLater()
    app.processEvents()
    return times


if __name__ == "__main__":
    sys.exit(main())
