"""Compare mode for demos: the original and the QF MobileNet side by side.

Each side is a layer table over its own session with the selected layer's folded weights per
channel and its histogram below; selecting a layer on one side selects the same layer (same
tensor name, else same position) on the other. It opens on the bundled pair that shows the
paper's point (:data:`COMPARE_PAIRS`) at the kernel where per-tensor int8 weights erase the most
channels in one model and not the other (``core.weights.largest_difference``), with that
finding in one line computed from the two models' numbers. Each side's header shows the model
and its int8 accuracy; "Measure int8 accuracy of both" shows its progress in this window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .compare_graph import DiffGraphPanel
from .layer_table import LayerTable
from .session_files import load_session
from .session_state import SessionState
from .tensor_panel import TensorPanel
from .weight_view import WeightPanel, kernel_layer

# (original, quantization-friendly) sessions under resources/, the first pair that exists opens:
# the MobileNetV1 ablation's ends (the paper's Table 1), else the MobileNetV2 pair
COMPARE_PAIRS = (("sessions/mobilenet_v1_orig_fmnist.qft", "sessions/mobilenet_v1_qf_fmnist.qft"),
                 ("sessions/mobilenet_v2_orig_fmnist.qft", "sessions/mobilenet_v2_qf_fmnist.qft"))
COMPARE_SHORTCUT = "Ctrl+M"
GRAPH_SHORTCUT = "Ctrl+G"
TABLE_SHARE = 0.45          # of each side's height: the layer table (the rest: weights | histogram)
GRAPH_TABLE_SHARE = 0.3     # ... while the graph is shown in place of the weights


def default_pair() -> tuple[str, str]:
    """The first of :data:`COMPARE_PAIRS` whose two sessions exist (else the last, to name in the error)."""
    from core.resources import RESOURCES

    pairs = [(str(RESOURCES / a), str(RESOURCES / b)) for a, b in COMPARE_PAIRS]
    return next((p for p in pairs if all(Path(x).exists() for x in p)), pairs[-1])


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
    def __init__(self, caption: str, weights_cache, side: str = "A", parent=None):
        super().__init__(parent)
        self.state = SessionState(self)
        self.header = QLabel(caption)
        self.header.setObjectName("compareHeader")
        self.header.setWordWrap(True)
        self.table = LayerTable(self.state)
        self.panel = TensorPanel(self.state)
        self.weights = WeightPanel(self.state, weights_cache)
        self.graph = DiffGraphPanel(self.state, side)
        self.tabs = QTabWidget()          # the weights, or the graph coloured by the difference (Ctrl+G)
        self.tabs.setDocumentMode(True)
        self.tabs.setUsesScrollButtons(True)       # the tab bar must not widen a half-width side at 1024 px
        self.tabs.setMinimumWidth(110)
        self.tabs.addTab(self.weights, "Weights")
        self.tabs.addTab(self.graph, "Graph")
        self.tabs.setTabToolTip(1, f"Both graphs coloured by the difference A − B ({GRAPH_SHORTCUT})")
        self.tabs.currentChanged.connect(lambda _i: self.fit())
        self.bottom = QSplitter(Qt.Horizontal)
        self.bottom.addWidget(self.tabs)
        self.bottom.addWidget(self.panel)
        self.split = QSplitter(Qt.Vertical)
        self.split.addWidget(self.table)
        self.split.addWidget(self.bottom)
        self.split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.header)
        lay.addWidget(self.split, 1)
        self.caption = caption
        self.path = ""
        self.measured = None

    def fit(self) -> None:
        """The table gets :data:`TABLE_SHARE` of the height, weights and histogram share the rest."""
        graph = self.graph_shown()
        h, share = self.split.height(), GRAPH_TABLE_SHARE if graph else TABLE_SHARE
        self.split.setSizes([int(share * h), h - int(share * h)])
        # the histogram needs ~385 px: beside it a graph at 1024 px would be 90 px wide, so the graph
        # takes the side's width and the histogram comes back with the weights (Ctrl+G)
        self.panel.setVisible(not graph)
        w = self.bottom.width()
        self.bottom.setSizes([w, 0] if graph else [w // 2, w - w // 2])

    def graph_shown(self) -> bool:
        return self.tabs.currentWidget() is self.graph

    def show_graph(self, on: bool) -> None:
        self.tabs.setCurrentWidget(self.graph if on else self.weights)

    @property
    def model_path(self) -> str | None:
        return getattr(self.state.session, "model_path", None)

    def set_session(self, session, path: str) -> None:
        self.state.set_session(session, path)
        self.path = path
        self.measured = None
        self.header.setText(f"<b>{self.caption}</b> — {Path(path).name}<br>{accuracy_text(session)}")

    def set_measured(self, result: dict) -> None:
        """Show the int8/float top-1 measured by :meth:`CompareWindow.measure_accuracy`."""
        self.measured = result
        f, q = result["float"], result["int8"]
        self.header.setText(
            f"<b>{self.caption}</b> — {Path(self.path).name}<br>"
            f"<b>int8 top-1 {100 * q['top1']:.2f} %</b> · float top-1 {100 * f['top1']:.2f} % "
            f"<span style='color:#666'>({result['weights']} weights, {q['n_images']:,} {q['data']} images)</span>")

    def tensor_of(self, layer: str) -> str | None:
        """The plan tensor ``layer``'s kernel produces."""
        plan = self.state.plan
        return next((t.name for t in plan.tensors if kernel_layer(t) == layer), None) if plan else None


class CompareWindow(QMainWindow):
    def __init__(self, app, parent=None):
        super().__init__(parent)
        self.app = app
        self.setObjectName("compareWindow")
        self.setWindowTitle("qftune — compare: original vs quantization-friendly")
        self.setAttribute(Qt.WA_DeleteOnClose)
        self.resize(1600, 1000)
        self.pair: tuple[str, str] | None = None
        self.left = CompareSide("Original", app.weights, "A")
        self.right = CompareSide("Quantization-friendly", app.weights, "B")
        self.left.graph.pair_with(self.right.graph)
        self.right.graph.pair_with(self.left.graph)
        self.graph_button = QPushButton(f"Graph: A − B ({GRAPH_SHORTCUT})")
        self.graph_button.setObjectName("compareGraphButton")
        self.graph_button.setCheckable(True)
        self.graph_button.setToolTip("Both models as graphs, each node coloured by the difference of a metric "
                                     "between the left (A) and the right (B) session")
        self.graph_button.toggled.connect(self.show_graph)
        for side in (self.left, self.right):
            side.tabs.currentChanged.connect(lambda _i, s=side: self.show_graph(s.graph_shown()))
        self.finding = QLabel("")
        self.finding.setObjectName("compareFinding")
        self.finding.setWordWrap(True)
        self.measure_button = QPushButton("Measure int8 accuracy of both")
        self.measure_button.setObjectName("measureAccuracy")
        self.measure_button.setToolTip("Export each plan to int8 with per-tensor weights (the 8-bit pipeline of the "
                                       "paper) and evaluate it and its float model on the embedded test images")
        self.measure_button.clicked.connect(lambda: self.measure_accuracy())
        self.progress = QProgressBar()
        self.progress.setObjectName("compareProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("compareCancel")
        self.job = None
        self.cancel_button.clicked.connect(lambda: self.job is not None and self.job.cancel())
        self._show_progress(False)
        central = QWidget()
        sides = QHBoxLayout()
        sides.addWidget(self.left)
        sides.addWidget(self.right)
        bar = QHBoxLayout()
        bar.addWidget(self.measure_button)
        bar.addWidget(self.graph_button)
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.cancel_button)
        bar.addStretch(0)
        lay = QVBoxLayout(central)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(self.finding)
        lay.addLayout(sides, 1)
        self.setCentralWidget(central)
        self.left.state.selectionChanged.connect(lambda n: self._follow(self.left, self.right, n))
        self.right.state.selectionChanged.connect(lambda n: self._follow(self.right, self.left, n))
        app.weights.ready.connect(self._weights_ready)      # a bound slot: disconnected when this window goes
        self._focus_pending = False
        self.focus: tuple[str, str] | None = None      # the layers compare mode opened on
        toggle = QShortcut(QKeySequence(COMPARE_SHORTCUT), self)
        toggle.activated.connect(app.toggle_compare_mode)
        graph_key = QShortcut(QKeySequence(GRAPH_SHORTCUT), self)
        graph_key.activated.connect(lambda: self.show_graph(not self.left.graph_shown()))

    def show_graph(self, on: bool = True) -> None:
        """Both sides show their graph coloured by the difference (or their weights again)."""
        for side in (self.left, self.right):
            if side.graph_shown() != on:
                side.show_graph(on)
        if self.graph_button.isChecked() != on:
            self.graph_button.setChecked(on)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        for side in (self.left, self.right):
            side.fit()

    def load(self, left_path: str, right_path: str) -> None:
        """Load both sessions in one background job, show them, then read both models' weights
        and select the layer where they differ most."""
        missing = [p for p in (left_path, right_path) if not Path(p).exists()]
        if missing:
            self.app.show_error("Compare mode needs two sessions", "Missing: " + ", ".join(missing))
            return
        self.pair = (str(left_path), str(right_path))

        def done(pair):
            self.left.set_session(pair[0], left_path)
            self.right.set_session(pair[1], right_path)
            self._focus_pending = True
            self.finding.setText("Reading both models' folded weights…")
            self._weights_ready()

        self.app.start_job("Loading compare mode", lambda progress: (load_session(left_path),
                                                                   load_session(right_path)), done)

    def _weights_ready(self, _path: str = "") -> None:
        if not self._focus_pending:
            return
        from core.weights import largest_difference

        cache = self.app.weights
        a, b = cache.get(self.left.model_path), cache.get(self.right.model_path)
        errors = [e for e in (cache.error(s.model_path) for s in (self.left, self.right)) if e]
        if errors:
            self._focus_pending = False
            self.finding.setText("Weights unavailable: " + "; ".join(errors))
            return
        if a is None or b is None:
            return
        self._focus_pending = False
        try:
            la, lb, text = largest_difference(a, b)
        except ValueError as exc:
            self.finding.setText(str(exc))
            return
        self.focus = (la, lb)
        self.finding.setText(text)
        left, right = self.left.tensor_of(la), self.right.tensor_of(lb)
        self._syncing = True
        try:
            if left:
                self.left.state.select(left)
            if right:
                self.right.state.select(right)
        finally:
            self._syncing = False

    def measure_accuracy(self, data: str = "embedded:eval", limit: int | None = None, weights: str = "per-tensor"):
        """Export both plans (as on screen) and measure their int8 and float top-1 in one job;
        its progress and Cancel are in this window."""
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
            for side, result in zip(sides, results, strict=True):
                side.set_measured(result)

        self.job = self.app.start_job("Measuring int8 accuracy (compare mode)", job, done)
        if self.job is not None:
            self.progress.setValue(0)
            self._show_progress(True)
            self.job.progressed.connect(self._progressed)
            self.job.ended.connect(lambda _status: self._show_progress(False))
        return self.job

    def _progressed(self, frac: float, message: str) -> None:
        self.progress.setValue(int(1000 * max(0.0, min(1.0, frac))))
        self.progress.setFormat(f"{message} — %p%" if message else "%p%")

    def _show_progress(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.cancel_button.setVisible(on)
        self.measure_button.setEnabled(not on)
        if not on:
            self.job = None

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
