"""Render the main window and the compare mode offscreen to docs/screenshots/*.png.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--qf S.qft] [--orig S.qft] [--out docs/screenshots]

Defaults are the bundled sessions (resources/sessions/...); the README embeds the PNGs,
so re-running this keeps them current.
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


def main() -> int:
    from gui.app import DEFAULT_SESSION, ORIGINAL_SESSION, bundled

    ap = argparse.ArgumentParser()
    ap.add_argument("--qf", default=str(bundled(DEFAULT_SESSION)))
    ap.add_argument("--orig", default=str(bundled(ORIGINAL_SESSION)))
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = ap.parse_args()
    for p in (args.qf, args.orig):
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
    app.window.resize(1500, 920)
    app.window.show()
    app.open(args.qf)
    _wait(qapp, app, lambda: app.state.plan is not None and not app.runner.busy)
    plan = app.state.plan
    name = max((n for n in plan.names[1:] if not plan[n].locked), key=lambda n: plan[n].estimate().mse)
    app.state.select(name)
    _wait(qapp, app, lambda: True)
    main_png = out / "main_window.png"
    app.window.grab().save(str(main_png))

    win = app.show_compare_mode(args.orig, args.qf)
    win.resize(1700, 950)
    _wait(qapp, app, lambda: win.left.state.plan is not None and win.right.state.plan is not None
          and not app.runner.busy)
    win.right.state.select(name)
    _wait(qapp, app, lambda: True)
    compare_png = out / "compare_mode.png"
    win.grab().save(str(compare_png))
    win.close()
    app.window.force_close()
    print(f"wrote {main_png} and {compare_png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
