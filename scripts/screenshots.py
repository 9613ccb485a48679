"""Render the main window and the compare mode offscreen to docs/screenshots/*.png.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--qf S.qft] [--orig S.qft] [--out docs/screenshots]
        [--tensor NAME] [--compare-tensor NAME] [--size 1500x920] [--no-accuracy] [--no-results]

Besides ``main_window.png`` and ``compare_mode.png`` it runs Export, Compare and Sensitivity
from the UI (into a temporary folder) and shows their results (``results_panel.png``), the
Device panel with the exported model selected (``device_panel.png``), and the window at
1024x700 (``main_window_1024x700.png``); ``--no-results`` skips those jobs.

Defaults are the bundled sessions (resources/sessions/...); the README embeds the PNGs,
so re-running this keeps them current. Without ``--tensor`` the main window shows the
layer in the middle of the network where greedy clips the most of the observed range
(a visible tail outside the region). Compare mode opens as a user opens it: on the bundled
pair (``gui.compare_window.COMPARE_PAIRS``, or ``--orig``/``--qf``) at the layer where
per-tensor int8 weights erase the most channels in one model and not the other, with its
one-line finding; ``--compare-tensor`` selects another. ``weight_view.png`` is the original's
weight view at that layer (the paper's per-channel weight ranges).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _wait(qapp, app, cond, timeout=120.0):
    t0 = time.time()
    while not cond():
        qapp.processEvents()
        time.sleep(0.01)
        if time.time() - t0 > timeout:
            raise TimeoutError("the GUI did not get ready in time: " + "; ".join(app.messages[-3:]))
    for _ in range(10):
        qapp.processEvents()


def clipped_tail_tensor(plan) -> str:
    """A conv/depthwise output in the middle half of the network where greedy clips the
    largest share of the observed range (on enough samples to draw a smooth histogram)."""
    names = plan.names
    lo, hi = len(names) // 4, 3 * len(names) // 4

    def clipped(n):
        e = plan[n]
        g = plan.candidate(n, "greedy")
        observed = e.stats.max - e.stats.min
        return 1.0 - (g.max - g.min) / observed if observed > 0 else 0.0

    pool = [n for n in names[lo:hi] if not plan[n].locked and plan[n].tensor.op in ("CONV_2D", "DEPTHWISE_CONV_2D")
            and float(plan[n].stats.counts.sum()) >= 20000]
    return max(pool or [n for n in names[1:] if not plan[n].locked], key=clipped)


def _run(qapp, app, dlg, values: dict, what: str) -> None:
    for k, v in values.items():
        dlg.set_value(k, v)
    dlg.accept()
    _wait(qapp, app, lambda: not app.runner.busy, timeout=1800)
    if app.errors or app.runner.history[-1].status != "ok":
        raise RuntimeError(f"{what} failed: " + "; ".join(b.text() for b in app.errors))


def _raise_dock(qapp, app, title: str) -> None:
    from PySide6.QtWidgets import QTabBar

    for bar in app.window.findChildren(QTabBar):
        for i in range(bar.count()):
            if bar.tabText(i) == title:
                bar.setCurrentIndex(i)
    _wait(qapp, app, lambda: True)


def _results_shots(qapp, app, out: Path, tmp: str, images: int, name: str, size) -> list[Path]:
    """Export -> Evaluate -> Compare -> Sensitivity from the UI; the Results panel, the Device
    panel with the export selected, and the window at 1024x700."""
    from PySide6.QtCore import Qt

    stem = Path(app.state.path).stem
    _run(qapp, app, app.open_action("export"), {"out": f"{tmp}/{stem}_int8.tflite", "float_out": f"{tmp}/{stem}_float.tflite"},
         "Export")
    _run(qapp, app, app.open_action("evaluate"), {"limit": 10 * images}, "Evaluate")
    _run(qapp, app, app.open_action("compare"), {"images": images}, "Compare")
    _run(qapp, app, app.open_action("sensitivity"), {"limit": 10 * images}, "Sensitivity")
    app.state.select(name)
    app.window.show_message("")
    _raise_dock(qapp, app, "Results")
    app.window.resizeDocks([app.window.results_dock], [300], Qt.Vertical)    # as a user drags it taller
    _wait(qapp, app, lambda: True)
    results_png = out / "results_panel.png"
    app.window.grab().save(str(results_png))

    _raise_dock(qapp, app, "Device")
    _wait(qapp, app, lambda: True)
    time.sleep(0.2)
    _wait(qapp, app, lambda: True)
    device_png = out / "device_panel.png"
    app.window.grab().save(str(device_png))

    _raise_dock(qapp, app, "Results")
    app.window.resize(1024, 700)
    app.window.fit_layout()
    _wait(qapp, app, lambda: True)
    small_png = out / "main_window_1024x700.png"
    app.window.grab().save(str(small_png))
    app.window.resize(*size)
    app.window.fit_layout()
    return [results_png, device_png, small_png]


def main() -> int:
    from gui.app import DEFAULT_SESSION, bundled

    ap = argparse.ArgumentParser()
    ap.add_argument("--qf", help="the QF session (main window; compare mode's right side). "
                                 f"Default: {DEFAULT_SESSION} / compare mode's bundled pair")
    ap.add_argument("--orig", help="the original session (compare mode's left side). Default: the bundled pair")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--tensor", help="tensor to show in the main window")
    ap.add_argument("--compare-tensor", help="tensor to show in compare mode")
    ap.add_argument("--size", default="1500x920", help="main window size WxH (e.g. 1280x800 for a laptop)")
    ap.add_argument("--no-results", action="store_true", help="skip the Export/Compare/Sensitivity shots")
    ap.add_argument("--images", type=int, default=50, help="images for Compare (and 10x for Sensitivity)")
    ap.add_argument("--no-accuracy", action="store_true",
                    help="skip measuring both models' int8 top-1 in compare mode (export + evaluate, ~1 min)")
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    from gui.compare_window import default_pair

    pair = (args.orig or default_pair()[0], args.qf or default_pair()[1])
    main_session = args.qf or str(bundled(DEFAULT_SESSION))
    for p in (main_session, *pair):
        if not Path(p).exists():
            print(f"screenshots: {p} is missing (pass --qf/--orig)", file=sys.stderr)
            return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import tempfile

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    qapp = QApplication.instance() or QApplication([])
    from gui.app import QftuneApp

    tmp = tempfile.mkdtemp(prefix="qftune_shots_")
    app = QftuneApp(QSettings(os.path.join(tmp, "s.ini"), QSettings.IniFormat), recovery_dir=tmp)
    app.window.resize(width, height)
    app.window.show()
    app.open(main_session)
    _wait(qapp, app, lambda: app.state.plan is not None and not app.runner.busy and not app.weights.busy)
    app.window.fit_layout()
    plan = app.state.plan
    name = args.tensor or clipped_tail_tensor(plan)
    app.state.select(name)
    live = app.window.live_panel.live      # the live figures beside the histogram (issue 21)
    _wait(qapp, app, lambda: live.status in ("ready", "no-data", "refused", "error"), timeout=300)
    suffix = "" if (width, height) == (1500, 920) else f"_{width}x{height}"
    main_png = out / f"main_window{suffix}.png"
    app.window.grab().save(str(main_png))

    shots = [main_png]
    app.window.show_graph(True)            # the Graph tab under the table, coloured by est. SQNR (issue 23)
    _wait(qapp, app, lambda: app.window.graph.isVisible())
    app.window.graph.fit()
    app.state.select(name)                 # centred on the shown tensor
    graph_png = out / f"graph_view{suffix}.png"
    app.window.grab().save(str(graph_png))
    app.window.show_graph(False)
    shots.append(graph_png)
    if not args.no_results:
        shots += _results_shots(qapp, app, out, tmp, args.images, name, (width, height))

    win = app.show_compare_mode(*pair)
    win.resize(1600, 1000)
    _wait(qapp, app, lambda: win.left.state.plan is not None and win.right.state.plan is not None
          and not app.runner.busy and not app.weights.busy and not win._focus_pending)
    if not args.no_accuracy:
        win.measure_accuracy()
        _wait(qapp, app, lambda: not app.runner.busy, timeout=900)
        if app.errors:
            print("screenshots: measuring accuracy failed: " + app.errors[-1].text(), file=sys.stderr)
    if args.compare_tensor:
        win.right.state.select(args.compare_tensor)
    _wait(qapp, app, lambda: True)
    print("compare mode: " + win.finding.text())
    compare_png = out / "compare_mode.png"
    win.grab().save(str(compare_png))
    win.show_graph(True)                   # both graphs coloured by the difference A - B (issue 23)
    _wait(qapp, app, lambda: True)
    compare_graph_png = out / "compare_graph.png"
    win.grab().save(str(compare_graph_png))
    win.show_graph(False)
    shots.append(compare_graph_png)
    weight_png = out / "weight_view.png"
    from gui.weight_view import WeightView

    layer = win.focus[0] if win.focus else None
    weights = app.weights.get(win.left.model_path) or {}
    if layer in weights:      # the original's layer at a readable width, caption in full
        view = WeightView()
        view.set_weights(weights[layer])
        view.resize(1000, 380)
        view.show()
        _wait(qapp, app, lambda: True)
        view.grab().save(str(weight_png))
        view.close()
    else:
        win.left.weights.grab().save(str(weight_png))
    shots.append(weight_png)
    win.close()
    app.window.force_close()
    from gui import engine_process

    engine_process.shutdown(kill=True)
    print("wrote " + ", ".join(str(p) for p in shots + [compare_png]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
