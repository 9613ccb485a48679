"""The Pareto chart of an autotune report, as the GUI shows it, saved as a PNG (QWidget.grab()).

    QT_QPA_PLATFORM=offscreen python scripts/autotune_screenshot.py S_tuned.autotune.json [--out PNG]

Default output: docs/screenshots/autotune_pareto.png. The chart is gui.pareto_chart.ParetoChart, the
widget Jobs > Autotune… opens (top-1 vs model bytes and vs measured LiteRT latency).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", help="S_tuned.autotune.json written by qftune autotune")
    ap.add_argument("--out", default=str(ROOT / "docs/screenshots/autotune_pareto.png"))
    ap.add_argument("--size", default="1100x480")
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    from gui.pareto_chart import ParetoChart

    app = QApplication.instance() or QApplication(sys.argv[:1])
    chart = ParetoChart()
    w, h = (int(v) for v in args.size.split("x"))
    chart.resize(w, h)
    chart.show_result(json.loads(Path(args.report).read_text()))
    chart.show()
    for _ in range(5):
        app.processEvents()
    if not chart.grab().save(args.out):
        raise SystemExit(f"could not write {args.out}")
    print(args.out)
    chart.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
