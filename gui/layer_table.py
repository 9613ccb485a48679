"""The layer table: a ``QAbstractTableModel`` over the plan, sortable and filterable.

One row per int8 tensor: index, name, op, shape, min, max, scale, zero point,
method, estimated SQNR, saturation, and the measured SQNR once Compare ran. Rows
are tinted by SQNR; tied tensors show their group, locked ones why. Selecting a
row selects the tensor in the application state; Enter accepts the greedy range.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

from .session_state import SessionState

COLUMNS = ["#", "tensor", "op", "shape", "min", "max", "scale", "zero point", "method",
           "est. SQNR dB", "saturated %", "measured SQNR dB"]
TIPS = [
    "Position of the tensor in graph order",
    "The int8 tensor: the first Keras layer of its fused op. 🔗 = tied group (shares one range), 🔒 = locked",
    "TFLite op that produces the tensor (BatchNorm and ReLU are fused into it)",
    "Output shape without the batch dimension",
    "Range min: the most negative representable value (nudged so 0 is exact)",
    "Range max: the largest representable value",
    "Step Δ between int8 levels: (max − min) / 255, as stored in the .tflite",
    "int8 value that represents 0.0",
    "Who chose the range: greedy, minmax, percentile, entropy, mse, user (an override) or fixed (locked by TFLite)",
    "Estimated signal-to-quantization-noise ratio of this range on the calibration histogram (higher is better)",
    "Share of calibration values outside the range (clipped)",
    "SQNR measured between the float model and the exported int8 .tflite (after Compare)",
]
SORT_ROLE = Qt.UserRole + 1
NAME_ROLE = Qt.UserRole + 2


def sqnr_colour(db: float) -> QColor:
    if db is None or math.isnan(db):
        return QColor(0, 0, 0, 0)
    if db < 15:
        return QColor(255, 190, 190)
    if db < 25:
        return QColor(255, 225, 180)
    if db < 35:
        return QColor(255, 250, 200)
    return QColor(215, 245, 215)


class LayerTableModel(QAbstractTableModel):
    def __init__(self, state: SessionState, parent=None):
        super().__init__(parent)
        self.state = state
        self._names: list[str] = []
        self._estimates: dict[str, object] = {}
        state.sessionChanged.connect(self._reset)
        state.rangesChanged.connect(self._ranges_changed)
        state.resultsChanged.connect(self._results_changed)
        self._reset()

    # ---- updates from the state ----------------------------------------------------------
    def _reset(self) -> None:
        self.beginResetModel()
        plan = self.state.plan
        self._names = list(plan.names) if plan is not None else []
        self._estimates.clear()
        self.endResetModel()

    def _ranges_changed(self, names: list[str]) -> None:
        rows = []
        for n in names:
            self._estimates.pop(n, None)
            if n in self._names:
                rows.append(self._names.index(n))
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), len(COLUMNS) - 1))

    def _results_changed(self, kind: str) -> None:
        if kind == "compare" and self._names:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._names) - 1, len(COLUMNS) - 1))

    # ---- Qt model ------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._names)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal:
            if role == Qt.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ToolTipRole:
                return TIPS[section]
        return None

    def name_at(self, row: int) -> str:
        return self._names[row]

    def row_of(self, name: str) -> int:
        return self._names.index(name)

    def _estimate(self, name: str):
        est = self._estimates.get(name)
        if est is None:
            est = self.state.plan[name].estimate()
            self._estimates[name] = est
        return est

    def _measured(self, name: str):
        res = self.state.results.get("compare")
        if not res:
            return None
        return res.get(name) if isinstance(res, dict) else None

    def _values(self, name: str) -> list:
        plan = self.state.plan
        e = plan[name]
        t = e.tensor
        est = self._estimate(name)
        return [t.index, name, t.op, "×".join(str(d) for d in t.shape), e.min, e.max, e.scale, e.zero_point,
                e.method, est.sqnr_db, 100.0 * est.saturated_fraction, self._measured(name)]

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        name = self._names[index.row()]
        col = index.column()
        if role == NAME_ROLE:
            return name
        plan = self.state.plan
        if role in (Qt.DisplayRole, SORT_ROLE):
            v = self._values(name)[col]
            if role == SORT_ROLE:
                if v is None:
                    return -math.inf
                if isinstance(v, float) and math.isinf(v):
                    return 1e300
                return v
            return self._display(name, col, v)
        if role == Qt.ToolTipRole:
            return self._tooltip(name, col)
        if role == Qt.BackgroundRole:
            est = self._estimate(name)
            measured = self._measured(name)
            return QBrush(sqnr_colour(measured if measured is not None else est.sqnr_db))
        if role == Qt.ForegroundRole and plan[name].locked:
            return QBrush(QColor(110, 110, 110))
        if role == Qt.TextAlignmentRole and col not in (1, 2, 8):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def _display(self, name: str, col: int, v):
        plan = self.state.plan
        if col == 1:
            mark = ""
            if len(plan.group(name)) > 1:
                mark += " 🔗"
            if plan[name].locked:
                mark += " 🔒"
            return name + mark
        if v is None:
            return "–"
        if col in (4, 5, 6):
            return f"{v:.6g}"
        if col in (9, 11):
            return "∞" if math.isinf(v) else f"{v:.1f}"
        if col == 10:
            return f"{v:.3f}"
        return str(v)

    def _tooltip(self, name: str, col: int) -> str:
        plan = self.state.plan
        e = plan[name]
        lines = [TIPS[col]]
        group = plan.group(name)
        if len(group) > 1:
            lines.append("Tied with " + ", ".join(n for n in group if n != name) +
                         ": TFLite requires one scale/zero point for these, so they move together.")
        if e.locked:
            lines.append("Locked: " + e.locked)
        if e.requested and col in (4, 5):
            lines.append(f"You asked for [{e.requested[0]:.6g}, {e.requested[1]:.6g}]; nudged so 0 is exact.")
        return "\n".join(lines)


class LayerFilterProxy(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(1)
        self.setFilterCaseSensitivity(Qt.CaseInsensitive)


class LayerTableView(QTableView):
    acceptGreedyRequested = Signal()

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.acceptGreedyRequested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class LayerTable(QWidget):
    """Filter box + table, kept in sync with the state's selection."""

    def __init__(self, state: SessionState, parent=None):
        super().__init__(parent)
        self.state = state
        self.model = LayerTableModel(state, self)
        self.proxy = LayerFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.filter = QLineEdit()
        self.filter.setObjectName("layerFilter")
        self.filter.setPlaceholderText("Filter tensors by name…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = LayerTableView()
        self.view.setObjectName("layerTable")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setColumnWidth(0, 36)
        self.view.setColumnWidth(1, 170)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.filter)
        lay.addWidget(self.view)
        state.selectionChanged.connect(self._select_row)
        state.sessionChanged.connect(lambda: self.view.resizeColumnsToContents())

    def _current_changed(self, current, _previous) -> None:
        if current.isValid():
            name = self.proxy.data(current, NAME_ROLE)
            if name and name != self.state.selected:
                self.state.select(name)

    def _select_row(self, name: str) -> None:
        if not name:
            self.view.clearSelection()
            return
        src = self.model.index(self.model.row_of(name), 0)
        idx = self.proxy.mapFromSource(src)
        if not idx.isValid():
            return
        if self.view.currentIndex().row() != idx.row():
            self.view.selectionModel().setCurrentIndex(
                idx, QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)
        self.view.scrollTo(idx)

    def row_rect_center(self, name: str):
        """Viewport position of ``name``'s row (for tests and tours)."""
        idx = self.proxy.mapFromSource(self.model.index(self.model.row_of(name), 1))
        return self.view.visualRect(idx).center()
