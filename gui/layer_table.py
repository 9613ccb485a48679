"""The layer table: a filter box, what it lists (tensors, kernel entries or both) and the sortable table
over :class:`gui.layer_table_model.LayerTableModel`, kept in sync with the state's selection. Selecting
a row selects its tensor (a kernel row: its layer's tensor); Enter accepts the greedy range.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .layer_columns import COL, NAME_ROLE, ROW_KIND_TIPS, ROW_KINDS, SORT_ROLE, legend_html, sqnr_colour
from .layer_table_model import KERNEL_SUFFIX, LayerTableModel
from .session_state import SessionState

__all__ = ["COL", "LayerTable", "LayerTableModel", "sqnr_colour"]      # COL and sqnr_colour: for the tests


class LayerFilterProxy(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(COL["name"])
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
        self.filter.setPlaceholderText("Filter by name…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.kinds = QComboBox()
        self.kinds.setObjectName("layerKinds")
        for i, kind in enumerate(ROW_KINDS):
            self.kinds.addItem(kind)
            self.kinds.setItemData(i, ROW_KIND_TIPS[kind], Qt.ToolTipRole)
        self.kinds.setToolTip("What the table lists: int8 tensors (activations), kernel entries (weights), or all")
        self.kinds.currentTextChanged.connect(self.set_kinds)
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
        self.view.horizontalHeader().setMinimumSectionSize(24)
        self.view.setColumnWidth(0, 30)
        self.view.setColumnWidth(1, 150)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.kinds)
        lay.addLayout(top)
        lay.addWidget(self.view)
        self.legend = QLabel(legend_html())
        self.legend.setObjectName("sqnrLegend")
        self.legend.setToolTip("Rows are coloured by est. SQNR (the column next to the name); after Compare, "
                               "each meas. SQNR cell is coloured by the measured value")
        lay.addWidget(self.legend)
        state.selectionChanged.connect(self._select_row)
        self._fitted = False
        state.sessionChanged.connect(self._session_changed)
        # the measured column appears once Compare measured something (it would be "–" throughout)
        state.resultsChanged.connect(lambda _k: self._show_measured())
        self._show_measured()

    def _show_measured(self) -> None:
        self.view.setColumnHidden(COL["measured"], not self.state.results.get("compare"))

    def _session_changed(self) -> None:
        # size the columns for the first plan only: later sessions keep the user's widths, and
        # opening a session (or a calibration finishing) does not stall the UI measuring text;
        # but a number column too narrow for the new values widens (9.687e-05 never reads 9.68…)
        self._show_measured()
        if not self._fitted and self.model.rowCount():
            self._fitted = True
            self.fit_columns()
        elif self.model.rowCount():
            self.widen_number_columns()

    def widen_number_columns(self) -> None:
        """Widen min, max and scale to their widest value (from the plan: no estimate needed)."""
        plan = self.state.plan
        fm = self.view.fontMetrics()
        pad = 2 * self.view.style().pixelMetric(QStyle.PM_FocusFrameHMargin, None, self.view) + 12
        for key in ("min", "max", "scale"):
            col = COL[key]
            widest = max(fm.horizontalAdvance(self.model._display(n, col, getattr(plan[n], key))) for n in plan.names)
            if self.view.columnWidth(col) < widest + pad:
                self.view.setColumnWidth(col, widest + pad)

    def fit_columns(self) -> None:
        """Size columns to their contents (measured on a sample of rows: fast on big plans)."""
        self.view.horizontalHeader().setResizeContentsPrecision(40)
        self.view.resizeColumnsToContents()

    def set_kinds(self, kinds: str) -> None:
        """List ``activations``, ``weights`` or ``all`` (the combo box beside the filter); the selection stays."""
        if self.kinds.currentText() != kinds:
            self.kinds.setCurrentText(kinds)       # comes back here through the signal
            return
        self.model.set_kinds(kinds)
        self._select_row(self.state.selected)

    def _current_changed(self, current, _previous) -> None:
        if current.isValid():
            name = self.proxy.data(current, NAME_ROLE)
            if name and name.endswith(KERNEL_SUFFIX):       # a kernel row selects its layer's tensor
                name = name[: -len(KERNEL_SUFFIX)]
            if name and name != self.state.selected and self.state.plan is not None and name in self.state.plan.entries:
                self.state.select(name)

    def _select_row(self, name: str) -> None:
        if not name:
            self.view.clearSelection()
            return
        if not self.model.has_row(name):                    # listing weights: the layer's kernel row, if any
            name = name + KERNEL_SUFFIX
            if not self.model.has_row(name):
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
        idx = self.proxy.mapFromSource(self.model.index(self.model.row_of(name), COL["name"]))
        return self.view.visualRect(idx).center()
