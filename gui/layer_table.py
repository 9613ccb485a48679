"""The layer table: a ``QAbstractTableModel`` over the plan, sortable and filterable.

One row per int8 tensor: index, name, op, shape, min, max, scale, zero point,
method, estimated SQNR, saturation, and the measured SQNR once Compare ran. Rows
are tinted by SQNR; tied tensors show their group, locked ones why. Selecting a
row selects the tensor in the application state; Enter accepts the greedy range.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .session_state import SessionState

# (key, header, tooltip); the columns a user scans (name, SQNR, range, method) come first so they
# stay visible in a narrow table (1024 px windows); the rest is one horizontal scroll away. Rows
# are coloured by the est. SQNR shown next to the name; the meas. SQNR cells by their own value.
_COLUMN_SPECS = [
    ("index", "#", "Position of the tensor in graph order"),
    ("name", "tensor", "The int8 tensor: the first Keras layer of its fused op. "
                       "(tied) = shares one range with others, (locked) = TFLite fixes its range"),
    ("sqnr", "est. SQNR", "Estimated signal-to-quantization-noise ratio in dB of this range on the calibration "
                          "histogram (higher is better)"),
    ("measured", "meas. SQNR", "SQNR in dB measured between the float model and the exported int8 .tflite "
                               "(after Compare)"),
    ("min", "min", "Range min: the most negative representable value (nudged so 0 is exact)"),
    ("max", "max", "Range max: the largest representable value"),
    ("method", "method", "Who chose the range: greedy, minmax, percentile, entropy, mse, user (an override) "
                         "or fixed (locked by TFLite)"),
    ("op", "op", "TFLite op that produces the tensor (BatchNorm and ReLU are fused into it); "
                 "the tooltip of a cell gives the full op name"),
    ("saturated", "sat. %", "Share of calibration values outside the range (clipped), in %"),
    ("scale", "scale", "Step Δ between int8 levels: (max − min) / 255, as stored in the .tflite"),
    ("zero_point", "zp", "Zero point: the int8 value that represents 0.0"),
    ("shape", "shape", "Output shape without the batch dimension"),
]
KEYS = [k for k, _h, _t in _COLUMN_SPECS]
COLUMNS = [h for _k, h, _t in _COLUMN_SPECS]
TIPS = [t for _k, _h, t in _COLUMN_SPECS]
COL = {k: i for i, k in enumerate(KEYS)}
# short op labels for the table (the full TFLite name is in the tooltip and the histogram title)
OP_LABELS = {"DEPTHWISE_CONV_2D": "dw conv", "CONV_2D": "conv", "FULLY_CONNECTED": "dense", "ADD": "add",
             "MEAN": "mean", "SOFTMAX": "softmax", "CONCATENATION": "concat", "MAX_POOL_2D": "max pool",
             "AVERAGE_POOL_2D": "avg pool", "RESHAPE": "reshape", "PAD": "pad", "INPUT": "input",
             "MUL": "mul", "SUB": "sub", "LOGISTIC": "logistic", "MAXIMUM": "max", "MINIMUM": "min"}
STALE_TIP = ("Stale: measured on an export of an earlier plan; the ranges changed since. Export and Compare "
             "again for the current plan (undoing back to the measured plan makes it current again).")
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


SQNR_BANDS = [(None, 15, "< 15 dB"), (15, 25, "15–25"), (25, 35, "25–35"), (35, None, "≥ 35 dB")]


def legend_html() -> str:
    """The colour key of the SQNR tints, one swatch per band."""
    parts = []
    for lo, hi, text in SQNR_BANDS:
        c = sqnr_colour(lo if lo is not None else hi - 1)
        parts.append(f"<span style='background-color:{c.name()}'>&nbsp;&nbsp;&nbsp;&nbsp;</span>&nbsp;"
                     f"{html.escape(text)}")
    return "SQNR colours: " + " &nbsp;".join(parts)


_DISPLAY, _TOOLTIP = int(Qt.DisplayRole), int(Qt.ToolTipRole)
_BACKGROUND, _FOREGROUND, _ALIGN = int(Qt.BackgroundRole), int(Qt.ForegroundRole), int(Qt.TextAlignmentRole)
_SORT, _NAME = int(SORT_ROLE), int(NAME_ROLE)
_RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)
_LEFT = int(Qt.AlignLeft | Qt.AlignVCenter)
_MEASURED = COL["measured"]
_ROOT = QModelIndex()   # the table's (invalid) root index, the default parent of rowCount/columnCount
_LEFT_COLUMNS = {COL["name"], COL["op"], COL["method"]}


@dataclass
class _Row:
    sort: list
    display: list
    background: QBrush
    foreground: QBrush | None
    measured_background: QBrush


def _sort_key(v):
    if v is None:
        return -math.inf
    if isinstance(v, float) and math.isinf(v):
        return 1e300
    return v


class LayerTableModel(QAbstractTableModel):
    def __init__(self, state: SessionState, parent=None):
        super().__init__(parent)
        self.state = state
        self._names: list[str] = []
        self._estimates: dict[str, object] = {}
        self._rows: dict[str, _Row] = {}
        self._locked_brush = QBrush(QColor(110, 110, 110))
        self._measured_ranges: dict | None = None    # the plan's ranges when Compare's result arrived
        self.measured_stale = False                  # the plan changed since: the measurements are of another plan
        state.sessionChanged.connect(self._reset)
        state.rangesChanged.connect(self._ranges_changed)
        state.resultsChanged.connect(self._results_changed)
        self._reset()

    # ---- updates from the state ----------------------------------------------------------
    def _reset(self) -> None:
        self.beginResetModel()
        self._measured_ranges, self.measured_stale = self._plan_ranges(), False
        plan = self.state.plan
        self._names = list(plan.names) if plan is not None else []
        self._estimates.clear()
        self._rows.clear()
        self.endResetModel()

    def _ranges_changed(self, names: list[str]) -> None:
        rows = []
        for n in names:
            self._estimates.pop(n, None)
            self._rows.pop(n, None)
            if n in self._names:
                rows.append(self._names.index(n))
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), len(COLUMNS) - 1))
        stale = self._plan_ranges() != self._measured_ranges      # an undo back to the measured plan: fresh again
        if self.state.results.get("compare") and stale != self.measured_stale:
            self.measured_stale = stale
            self._rows.clear()
            self.headerDataChanged.emit(Qt.Horizontal, _MEASURED, _MEASURED)
            self.dataChanged.emit(self.index(0, _MEASURED), self.index(len(self._names) - 1, _MEASURED))

    def _plan_ranges(self) -> dict | None:
        plan = self.state.plan
        return None if plan is None else {n: (plan[n].min, plan[n].max) for n in plan.names}

    def _results_changed(self, kind: str) -> None:
        if kind == "compare" and self._names:
            self._measured_ranges, self.measured_stale = self._plan_ranges(), False
            self._rows.clear()
            self.headerDataChanged.emit(Qt.Horizontal, _MEASURED, _MEASURED)
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._names) - 1, len(COLUMNS) - 1))

    # ---- Qt model ------------------------------------------------------------------------
    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self._names)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal:
            stale = section == _MEASURED and self.measured_stale
            if role == Qt.DisplayRole:
                return COLUMNS[section] + (" (stale)" if stale else "")
            if role == Qt.ToolTipRole:
                return TIPS[section] + (f"\n{STALE_TIP}" if stale else "")
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
        if not res or not isinstance(res, dict):
            return None
        res = res.get("sqnr", res)            # {"sqnr": {...}, "images": n}
        return res.get(name)

    def _values(self, name: str) -> list:
        plan = self.state.plan
        e = plan[name]
        t = e.tensor
        est = self._estimate(name)
        values = {"index": t.index, "name": name, "op": t.op, "min": e.min, "max": e.max, "method": e.method,
                  "sqnr": est.sqnr_db, "saturated": 100.0 * est.saturated_fraction, "measured": self._measured(name),
                  "scale": e.scale, "zero_point": e.zero_point, "shape": "×".join(str(d) for d in t.shape)}
        return [values[k] for k in KEYS]

    def _row(self, name: str) -> _Row:
        """Everything a row shows, computed once per change (Qt asks ``data`` thousands of times)."""
        row = self._rows.get(name)
        if row is None:
            values = self._values(name)
            measured = self._measured(name)
            locked = bool(self.state.plan[name].locked)
            row = _Row([_sort_key(v) for v in values], [self._display(name, c, v) for c, v in enumerate(values)],
                       QBrush(sqnr_colour(self._estimate(name).sqnr_db)), self._locked_brush if locked else None,
                       QBrush(sqnr_colour(measured)))
            self._rows[name] = row
        return row

    def data(self, index, role=_DISPLAY):
        if not index.isValid():
            return None
        role = int(role)          # comparing PySide enums costs microseconds; ints cost nanoseconds
        name = self._names[index.row()]
        col = index.column()
        if role == _DISPLAY:
            return self._row(name).display[col]
        if role == _SORT:
            return self._row(name).sort[col]
        if role == _NAME:
            return name
        if role == _BACKGROUND:
            row = self._row(name)
            return row.measured_background if col == _MEASURED else row.background
        if role == _FOREGROUND:
            return self._row(name).foreground
        if role == _ALIGN:
            return _LEFT if col in _LEFT_COLUMNS else _RIGHT
        if role == _TOOLTIP:
            return self._tooltip(name, col)
        return None

    def _display(self, name: str, col: int, v):
        plan = self.state.plan
        key = KEYS[col]
        if key == "name":
            mark = ""
            if len(plan.group(name)) > 1:
                mark += " (tied)"
            if plan[name].locked:
                mark += " (locked)"
            return name + mark
        if v is None:
            return "–"
        if key == "op":
            return OP_LABELS.get(v, v.lower())
        if key in ("min", "max"):
            return f"{v:.4g}"          # full precision in the tooltip and the editors
        if key == "scale":
            return f"{v:.5g}"
        if key in ("sqnr", "measured"):
            text = "∞" if math.isinf(v) else f"{v:.1f}"
            return f"({text})" if key == "measured" and self.measured_stale else text
        if key == "saturated":
            return f"{v:.3f}"
        return str(v)

    def _tooltip(self, name: str, col: int) -> str:
        plan = self.state.plan
        e = plan[name]
        lines = [TIPS[col]]
        if KEYS[col] == "op":
            fused = " (fuses " + ", ".join(e.tensor.layers) + ")" if len(e.tensor.layers) > 1 else ""
            lines.insert(0, e.tensor.op + fused)
        group = plan.group(name)
        if len(group) > 1:
            lines.append("Tied with " + ", ".join(n for n in group if n != name) +
                         ": TFLite requires one scale/zero point for these, so they move together.")
        if e.locked:
            lines.append("Locked: " + e.locked)
        if col == _MEASURED and self.measured_stale:
            lines.append(STALE_TIP)
        if KEYS[col] in ("min", "max", "scale"):
            lines.insert(0, f"{KEYS[col]} = {getattr(e, KEYS[col]):.9g}")
        if e.requested and KEYS[col] in ("min", "max"):
            lines.append(f"You asked for [{e.requested[0]:.6g}, {e.requested[1]:.6g}]; nudged so 0 is exact.")
        return "\n".join(lines)


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
        self.view.horizontalHeader().setMinimumSectionSize(24)
        self.view.setColumnWidth(0, 30)
        self.view.setColumnWidth(1, 150)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.filter)
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
        idx = self.proxy.mapFromSource(self.model.index(self.model.row_of(name), COL["name"]))
        return self.view.visualRect(idx).center()
