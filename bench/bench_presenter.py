"""Presenter mode: time to open the window from the prepared cache and to show each step (goal < 1 s per step).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_presenter.py [SESSION_A SESSION_B] [--cache DIR]

Prints JSON: the window's build time and, per step, the time from the key press until the step is painted.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    import argparse

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from core.present import bundled_pair
    from gui.presenter.window import PresenterWindow

    p = argparse.ArgumentParser()
    p.add_argument("sessions", nargs="*")
    p.add_argument("--cache", default=None)
    p.add_argument("--size", default="1920x1080")
    args = p.parse_args()
    a, b = args.sessions if len(args.sessions) == 2 else bundled_pair()
    w, h = (int(v) for v in args.size.split("x"))
    app = QApplication.instance() or QApplication([])
    t0 = time.perf_counter()
    win = PresenterWindow(a, b, args.cache)
    win.resize(w, h)
    win.show()
    app.processEvents()
    build = time.perf_counter() - t0
    steps = []
    for _ in range(len(win.slides) - 1):
        t = time.perf_counter()
        QTest.keyClick(win, Qt.Key_PageDown)
        win.repaint()
        app.processEvents()
        steps.append(round((time.perf_counter() - t) * 1000, 1))
    win.close()
    print(json.dumps({"size": args.size, "open_s": round(build, 3), "step_ms": steps, "max_step_ms": max(steps)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
