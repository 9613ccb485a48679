"""Compare mode for demos: the original and the QF MobileNet side by side.

Each side is a full layer table + tensor panel over its own session; selecting a
layer on one side selects the same layer (same tensor name, else same position)
on the other, so the audience sees the two distributions and ranges at once.
Each side's header shows the model and its int8 accuracy when known.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QPushButton, QSplitter, QVBoxLayout, QWidget

from .layer_table import LayerTable
from .session_files import load_session
from .session_state import SessionState
from .tensor_panel import TensorPanel


def accuracy_text(session) -> str:
    """int8/float top-1 recorded with the session or the model's card, if any."""
    from core.models.cards import read_card, recorded_top1

    cal = getattr(session, "calibration", {}) or {}
    int8, flt = cal.get("int8_top1"), cal.get("float_top1")
    model = getattr(session, "model_path", None)
    if model and (int8 is None or flt is None):
        card_flt, card_int8 = recorded_top1(read_card(model))
        flt = card_flt if flt is None else flt
        int8 = card_int8 if int8 is None else int8
    parts = []
    if flt is not None:
        parts.append(f"float top-1 {100 * float(flt):.2f} %")
    parts.append(f"int8 top-1 {100 * float(int8):.2f} %" if int8 is not None
                 else "int8 top-1: press “Measure int8 accuracy of both”")
    return " · ".join(parts)


class CompareSide(QWidget):
    def __init__(self, caption: str, parent=None):
        super().__init__(parent)
        self.state = SessionState(self)
        self.header = QLabel(caption)
        self.header.setObjectName("compareHeader")
        self.header.setWordWrap(True)
        self.table = LayerTable(self.state)
        self.panel = TensorPanel(self.state)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.panel)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.header)
        lay.addWidget(split, 1)
        self.caption = caption

    def set_session(self, session, path: str) -> None:
        self.state.set_session(session, path)
        self.path = path
        self.header.setText(f"<b>{self.caption}</b> — {Path(path).name}<br>{accuracy_text(session)}")

    def set_measured(self, result: dict) -> None:
        """Show the int8/float top-1 measured by :meth:`CompareWindow.measure_accuracy`."""
        self.measured = result
        f, q = result["float"], result["int8"]
        self.header.setText(
            f"<b>{self.caption}</b> — {Path(self.path).name}<br>"
            f"<b>int8 top-1 {100 * q['top1']:.2f} %</b> · float top-1 {100 * f['top1']:.2f} % "
            f"<span style='color:#666'>({result['weights']} weights, {q['n_images']:,} {q['data']} images)</span>")


class CompareWindow(QMainWindow):
    def __init__(self, app, parent=None):
        super().__init__(parent)
        self.app = app
        self.setObjectName("compareWindow")
        self.setWindowTitle("qftune — compare: original vs quantization-friendly")
        self.setAttribute(Qt.WA_DeleteOnClose)
        self.resize(1600, 900)
        self.left = CompareSide("Original MobileNetV2")
        self.right = CompareSide("Quantization-friendly MobileNetV2")
        self.measure_button = QPushButton("Measure int8 accuracy of both")
        self.measure_button.setObjectName("measureAccuracy")
        self.measure_button.setToolTip("Export each plan to int8 with per-tensor weights (the 8-bit pipeline of the "
                                       "paper) and evaluate it and its float model on the embedded test images")
        self.measure_button.clicked.connect(lambda: self.measure_accuracy())
        central = QWidget()
        sides = QHBoxLayout()
        sides.addWidget(self.left)
        sides.addWidget(self.right)
        bar = QHBoxLayout()
        bar.addWidget(self.measure_button)
        bar.addStretch(1)
        lay = QVBoxLayout(central)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addLayout(sides, 1)
        self.setCentralWidget(central)
        self.left.state.selectionChanged.connect(lambda n: self._follow(self.left, self.right, n))
        self.right.state.selectionChanged.connect(lambda n: self._follow(self.right, self.left, n))

    def load(self, left_path: str, right_path: str) -> None:
        """Load both sessions in one background job, then show them."""
        missing = [p for p in (left_path, right_path) if not Path(p).exists()]
        if missing:
            self.app.show_error("Compare mode needs two sessions", "Missing: " + ", ".join(missing))
            return

        def done(pair):
            self.left.set_session(pair[0], left_path)
            self.right.set_session(pair[1], right_path)

        self.app.start_job("Loading compare mode", lambda progress: (load_session(left_path),
                                                                   load_session(right_path)), done)

    def measure_accuracy(self, data: str = "embedded:eval", limit: int | None = None, weights: str = "per-tensor"):
        """Export both plans (as on screen) and measure their int8 and float top-1 in one job."""
        import tempfile

        from . import engine_jobs
        from .engine_process import run_remote

        sides = [s for s in (self.left, self.right) if s.state.session is not None]
        if len(sides) < 2:
            self.app.show_error("Compare mode", "Load both sessions first.")
            return None
        calls = []
        out_dir = Path(tempfile.mkdtemp(prefix="qftune_compare_"))
        for i, side in enumerate(sides):
            plan, model = side.state.plan, side.state.session.model_path
            if not model or not Path(model).exists():
                self.app.show_error("Compare mode", f"{Path(side.path).name} records no existing model file "
                                                    f"({model or 'none'}); cannot export it.")
                return None
            calls.append(dict(model_path=str(model), tensors=list(plan.tensors),
                              ranges=plan.ranges(), out=str(out_dir / f"side{i}_int8.tflite"),
                              weights=weights, data=data, limit=limit))

        def job(progress):
            n = len(calls)
            return [run_remote(engine_jobs.export_and_evaluate, kw, progress.sub(i / n, 1 / n, 1.0))
                    for i, kw in enumerate(calls)]

        def done(results):
            for side, result in zip(sides, results):
                side.set_measured(result)

        return self.app.start_job("Measuring int8 accuracy (compare mode)", job, done)

    def _follow(self, source: CompareSide, target: CompareSide, name: str) -> None:
        if getattr(self, "_syncing", False):
            return
        plan, other = source.state.plan, target.state.plan
        if not name or plan is None or other is None or target.state.selected == name:
            return
        self._syncing = True
        try:
            if name in other.entries:
                target.state.select(name)
            else:
                i = plan.names.index(name)
                if i < len(other.names):
                    target.state.select(other.names[i])
        finally:
            self._syncing = False
