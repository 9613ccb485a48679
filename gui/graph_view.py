"""The Graph dock: the model's int8 graph (core.graph) top to bottom, each node coloured by a metric.

Clicking a node selects its tensor in the application state (the table and histogram follow);
selecting elsewhere highlights and centres the node. A range edit recolours the nodes it changed;
a finished Compare or Sensitivity adds its metric. Wheel zooms, dragging pans, Fit shows the width,
the search box selects the first tensor whose name contains the text.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.graph import METRICS, layout_graph, metric_values, model_graph
from core.graph.metrics import GRADIENT, available, colour, normalise, scale, sensitivity_band

from .session_state import SessionState
from .swatch import swatches

_PEN = QPen(QColor(90, 90, 90), 1)
_SELECTED_PEN = QPen(QColor(20, 60, 220), 4)
_EDGE_PEN = QPen(QColor(150, 150, 150), 1.2)


class NodeItem(QGraphicsRectItem):
    def __init__(self, panel: GraphPanel, name: str, rect: QRectF):
        super().__init__(rect)
        self.panel, self.name = panel, name
        self.setPen(_PEN)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.PointingHandCursor)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            self.panel.state.select(self.name)
            event.accept()
            return
        super().mousePressEvent(event)


class GraphCanvas(QGraphicsView):
    def __init__(self, scene, parent=None):
        super().__init__(scene, parent)
        self.setObjectName("graphCanvas")
        self.setRenderHint(QPainter.Antialiasing)
        self.setDragMode(QGraphicsView.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)

    def wheelEvent(self, event) -> None:
        f = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
        self.scale(f, f)


class GraphPanel(QWidget):
    def __init__(self, state: SessionState, parent=None, compact: bool = False):
        """``compact``: the search box and Fit under the metric (compare mode's half-width sides)."""
        super().__init__(parent)
        self.setObjectName("graphPanel")
        self.state = state
        self.metric_box = QComboBox()
        self.metric_box.setObjectName("graphMetric")
        self.metric_box.setToolTip("What colours the nodes")
        # narrow at 1024 px: the dock must not widen the window (the full text is in the popup)
        self.metric_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.metric_box.setMinimumContentsLength(8)
        self.search = QLineEdit()
        self.search.setObjectName("graphSearch")
        self.search.setPlaceholderText("find tensor…")
        self.search.setMinimumWidth(50)
        self.fit_button = QPushButton("Fit")
        self.fit_button.setToolTip("Fit the graph's width into the view")
        self.legend = QLabel()
        self.legend.setObjectName("graphLegend")
        self.legend.setWordWrap(True)
        self.legend.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.scene = QGraphicsScene(self)
        self.view = GraphCanvas(self.scene)
        top = QHBoxLayout()
        top.addWidget(self.metric_box, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(top)
        if compact:
            self.metric_box.setMinimumContentsLength(4)
            self.fit_button.setMaximumWidth(40)
            top = QHBoxLayout()
            lay.addLayout(top)
        top.addWidget(self.search, 2)
        top.addWidget(self.fit_button)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.legend)
        self.items: dict[str, NodeItem] = {}
        self.values: dict[str, float | None] = {}
        self._scale = (0.0, 1.0)
        self._selected: NodeItem | None = None
        self.metric_box.currentIndexChanged.connect(lambda _i: self.recolour())
        self.search.returnPressed.connect(self._search)
        self.fit_button.clicked.connect(self.fit)
        state.sessionChanged.connect(self.rebuild)
        state.rangesChanged.connect(self._ranges_changed)
        state.selectionChanged.connect(self._select)
        state.resultsChanged.connect(lambda _k: self._fill_metrics())
        self.rebuild()

    # ---- building ------------------------------------------------------------------------
    def rebuild(self) -> None:
        self.scene.clear()
        self.items.clear()
        self._selected = None
        plan = self.state.plan
        if plan is not None:
            graph = model_graph(plan.tensors)
            lay = layout_graph(graph)
            w, h = lay.node_size
            for points in lay.edges.values():
                path = QPainterPath(QPointF(*points[0]))
                for p in points[1:]:
                    path.lineTo(QPointF(*p))
                edge = QGraphicsPathItem(path)
                edge.setPen(_EDGE_PEN)
                edge.setZValue(-1)
                self.scene.addItem(edge)
            for node in graph.nodes:
                x, y = lay.positions[node.name]
                small = 0.6 if node.tied_to else 1.0       # tied ops (pad, pool, reshape) share their input's range
                item = NodeItem(self, node.name, QRectF(x - w * small / 2, y - h / 2, w * small, h))
                text = QGraphicsSimpleTextItem(node.label if not node.tied_to else node.label.split(" · ")[-1], item)
                r = text.boundingRect()
                k = min(1.0, (w * small - 8) / max(r.width(), 1.0))   # a long name shrinks to fit its box
                text.setScale(k)
                text.setPos(x - k * r.width() / 2, y - k * r.height() / 2)
                self.scene.addItem(item)
                self.items[node.name] = item
            self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-20, -20, 20, 20))
        self._fill_metrics()
        self._select(self.state.selected)

    def _metric_choices(self) -> list[tuple[str, str]]:
        """(metric key, its text in the box) for every metric the session's results can colour."""
        return [(k, f"{METRICS[k].label} ({METRICS[k].unit})") for k in METRICS
                if available(k, self.state.results, None)]

    def _fill_metrics(self) -> None:
        """The metric box offers :meth:`_metric_choices` (the current metric kept if still offered); recolour."""
        current = self.metric_box.currentData() or "est_sqnr"
        choices = self._metric_choices()
        keys = [k for k, _text in choices]
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        for k, text in choices:
            self.metric_box.addItem(text, k)
            self.metric_box.setItemData(self.metric_box.count() - 1, METRICS[k].description, Qt.ToolTipRole)
        self.metric_box.setCurrentIndex(max(keys.index(current) if current in keys else 0, 0))
        self.metric_box.blockSignals(False)
        self.recolour()

    # ---- colouring -----------------------------------------------------------------------
    @property
    def metric_key(self) -> str:
        return self.metric_box.currentData() or "est_sqnr"

    def recolour(self, names=None) -> None:
        plan = self.state.plan
        if plan is None or not self.items:
            self.legend.setText("")
            return
        key = self.metric_key
        if names is None:
            self.values = metric_values(key, plan, self.state.results)
        else:
            self.values.update(metric_values(key, plan, self.state.results, names=names))
        self._scale = scale(key, self.values)
        for name in (self.items if names is None else names):
            if name in self.items:
                self._paint(name)
        self._legend()

    def node_colour(self, name: str) -> str:
        return colour(normalise(self.metric_key, self.values.get(name), self._scale))

    def _paint(self, name: str) -> None:
        item = self.items[name]
        item.setBrush(QBrush(QColor(self.node_colour(name))))
        m = METRICS[self.metric_key]
        v = self.values.get(name)
        e = self.state.plan[name]
        shown = "–" if v is None else f"{v:.3g} {m.unit}"
        item.setToolTip(f"<b>{name}</b> · {e.tensor.op}<br>{m.label}: {shown}<br>range [{e.min:.4g}, {e.max:.4g}] "
                        f"({e.method})")

    def _legend(self) -> None:
        key = self.metric_key
        m = METRICS[key]
        worst, best = self._scale
        stops = swatches(c for _f, c in GRADIENT)
        text = f"{m.label}: worst {worst:.3g} {stops} best {best:.3g} {m.unit} · grey = no value"
        band = sensitivity_band(self.state.results) if key == "sensitivity" else None
        if band:
            text += f" · noise band ±{band:.2f} points"
        self.legend.setText(text)

    def _ranges_changed(self, names: list) -> None:
        if METRICS[self.metric_key].needs == "plan":
            plan = self.state.plan
            self.recolour([n for n in names if plan is not None and n in plan.entries])

    # ---- selection, search, fit ----------------------------------------------------------
    def _select(self, name: str) -> None:
        if self._selected is not None:
            self._selected.setPen(_PEN)
            self._selected = None
        item = self.items.get(name)
        if item is not None:
            item.setPen(_SELECTED_PEN)
            self._selected = item
            self.view.centerOn(item)

    def _search(self) -> None:
        text = self.search.text().strip().lower()
        match = next((n for n in self.items if text and text in n.lower()), None)
        if match:
            self.state.select(match)

    def fit(self) -> None:
        r = self.scene.sceneRect()
        self.view.resetTransform()
        f = self.view.viewport().width() / max(r.width(), 1.0)
        self.view.scale(f, f)
        if self._selected is not None:
            self.view.centerOn(self._selected)
