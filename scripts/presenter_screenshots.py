"""Render every step of the presenter's story offscreen to docs/presenter/step<N>_<kind>.png.

    QT_QPA_PLATFORM=offscreen python scripts/presenter_screenshots.py [SESSION_A SESSION_B] [--cache DIR]
        [--size 1280x720] [--out docs/presenter]

Reads the cache `qftune present --prepare` wrote (default: the bundled pair's, in resources/sessions/);
each PNG is ``QWidget.grab()`` of the presenter window at ``--size``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sessions", nargs="*")
    p.add_argument("--cache", default=None)
    p.add_argument("--size", default="1280x720")
    p.add_argument("--out", default=str(ROOT / "docs" / "presenter"))
    args = p.parse_args()
    from PySide6.QtWidgets import QApplication

    from core.present import bundled_pair
    from gui.presenter.window import PresenterWindow

    a, b = args.sessions if len(args.sessions) == 2 else bundled_pair()
    w, h = (int(v) for v in args.size.lower().split("x"))
    app = QApplication.instance() or QApplication([])
    win = PresenterWindow(a, b, args.cache)
    if win.problem:
        print(win.problem, file=sys.stderr)
        return 2
    win.resize(w, h)
    win.show()
    app.processEvents()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for i, slide in enumerate(win.slides):
        win.go(i)
        app.processEvents()
        path = out / f"step{i + 1}_{slide.step['kind']}.png"
        win.grab().save(str(path))
        print(path)
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
