"""The layer table's ``QAbstractTableModel`` over the plan.

One row per int8 tensor (index, name, est./meas. SQNR, min, max, method, precision, op, saturation,
scale, zero point, shape), and, when the table lists weights (:meth:`LayerTableModel.set_kinds`), one
row per kernel entry ``LAYER/kernel`` (its clip as min/max, its method, granularity and precision),
each sorted right after its layer's tensor. Rows are tinted by SQNR; tied tensors show their group,
locked ones why. Row contents are computed once per change (Qt asks ``data`` thousands of times).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from core.compare import sqnr_of

from .layer_columns import COL, COLUMNS, KEYS, NAME_ROLE, OP_LABELS, SORT_ROLE, STALE_TIP, TIPS, sqnr_colour
from .session_state import SessionState

KERNEL_SUFFIX = "/kernel"
KERNEL_TINT = QColor(236, 241, 250)       # kernel rows: no calibration histogram, so no SQNR tint

_DISPLAY, _TOOLTIP = int(Qt.DisplayRole), int(Qt.ToolTipRole)
_BACKGROUND, _FOREGROUND, _ALIGN = int(Qt.BackgroundRole), int(Qt.ForegroundRole), int(Qt.TextAlignmentRole)
_SORT, _NAME = int(SORT_ROLE), int(NAME_ROLE)
_RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)
_LEFT = int(Qt.AlignLeft | Qt.AlignVCenter)
_MEASURED = COL["measured"]
_ROOT = QModelIndex()   # the table's (invalid) root index, the default parent of rowCount/columnCount
_LEFT_COLUMNS = {COL["name"], COL["op"], COL["method"], COL["precision"]}


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
        self._sqnr_doc, self._sqnr = None, {}        # Compare's result and its SQNR per tensor
        self.kinds = "activations"                   # what the rows are: activations, weights or all (ROW_KINDS)
        self.measured_stale = False                  # the plan changed since: the measurements are of another plan
        state.sessionChanged.connect(self._reset)
        state.rangesChanged.connect(self._ranges_changed)
        state.resultsChanged.connect(self._results_changed)
        self._reset()

    # ---- updates from the state ----------------------------------------------------------
    def _reset(self) -> None:
        self.beginResetModel()
        self._measured_ranges, self.measured_stale = self._plan_ranges(), False
        self._names = self._row_names()
        self._estimates.clear()
        self._rows.clear()
        self.endResetModel()

    def _row_names(self) -> list[str]:
        plan = self.state.plan
        if plan is None:
            return []
        names = [] if self.kinds == "weights" else list(plan.names)
        if self.kinds != "activations":
            names += plan.weight_names
        return names

    def set_kinds(self, kinds: str) -> None:
        """List ``activations`` (the int8 tensors), ``weights`` (the kernel entries) or ``all``."""
        if kinds != self.kinds:
            self.kinds = kinds
            self.beginResetModel()
            self._names = self._row_names()
            self._rows.clear()
            self.endResetModel()

    def _ranges_changed(self, names: list[str]) -> None:
        if any(n.endswith("/precision") for n in names):   # a float op changes its readers' rows too
            self._rows.clear()
            if self._names:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self._names) - 1, len(COLUMNS) - 1))
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

    def has_row(self, name: str) -> bool:
        return name in self._names

    def _estimate(self, name: str):
        est = self._estimates.get(name)
        if est is None:
            est = self.state.plan[name].estimate()
            self._estimates[name] = est
        return est

    def _measured(self, name: str):
        doc = self.state.results.get("compare")
        if not doc or not isinstance(doc, dict):
            return None
        if doc is not self._sqnr_doc:         # qftune compare --json's document: its SQNR per tensor, read once
            self._sqnr_doc, self._sqnr = doc, sqnr_of(doc)
        return self._sqnr.get(name)

    def _precision(self, name: str) -> str:
        from core.plan.precision import float_layers, float_region

        plan = self.state.plan
        if name in float_layers(plan):
            return "float"
        return "float-input" if name in float_region(plan.tensors, plan) else "int8"

    def _values(self, name: str) -> list:
        if name.endswith(KERNEL_SUFFIX):
            return self._kernel_values(name)
        plan = self.state.plan
        e = plan[name]
        t = e.tensor
        est = self._estimate(name)
        values = {"index": t.index, "name": name, "op": t.op, "min": e.min, "max": e.max, "method": e.method,
                  "sqnr": est.sqnr_db, "saturated": 100.0 * est.saturated_fraction, "measured": self._measured(name),
                  "scale": e.scale, "zero_point": e.zero_point, "shape": "×".join(str(d) for d in t.shape),
                  "precision": self._precision(name)}
        return [values[k] for k in KEYS]

    def _kernel_values(self, name: str) -> list:
        """A kernel entry's row: its clip as [-m, m] (per tensor; per channel: the widest), its method, its
        granularity (or float when its op is), sorted right after its layer's tensor."""
        from core.quant.weight_grid import stored_weight_scale

        plan = self.state.plan
        w = plan.weight(name)
        t = plan[w.layer].tensor
        clip = w.clip
        m = max(clip) if clip else None
        per_tensor = clip is not None and len(clip) == 1
        if self._precision(w.layer) == "float":
            prec = "float"
        else:
            prec = f"int8 {w.granularity}" if w.granularity else "int8 (export's --weights)"
        method = w.method if not clip or per_tensor else f"{w.method} ({len(clip)} channel clips)"
        values = {"index": t.index + 0.5, "name": name, "op": "KERNEL", "min": -m if m else None, "max": m,
                  "method": method, "sqnr": None, "saturated": None, "measured": None,
                  "scale": float(stored_weight_scale((m,))[0]) if per_tensor else None,
                  "zero_point": 0, "shape": w.kind, "precision": prec}
        return [values[k] for k in KEYS]

    def _row(self, name: str) -> _Row:
        """Everything a row shows, computed once per change (Qt asks ``data`` thousands of times)."""
        row = self._rows.get(name)
        if row is None:
            values = self._values(name)
            display = [self._display(name, c, v) for c, v in enumerate(values)]
            if name.endswith(KERNEL_SUFFIX):
                tint = QBrush(KERNEL_TINT)
                row = _Row([_sort_key(v) for v in values], display, tint, None, tint)
            else:
                measured = self._measured(name)
                locked = bool(self.state.plan[name].locked)
                row = _Row([_sort_key(v) for v in values], display, QBrush(sqnr_colour(self._estimate(name).sqnr_db)),
                           self._locked_brush if locked else None, QBrush(sqnr_colour(measured)))
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
        if name.endswith(KERNEL_SUFFIX):
            if v is None:
                return "–"
            if key == "index":
                return str(int(v))
            if key in ("min", "max"):
                return f"{v:.4g}"
            if key == "scale":
                return f"{v:.5g}"
            return "kernel" if key == "op" else str(v)
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
        if name.endswith(KERNEL_SUFFIX):
            w = plan.weight(name)
            clip = ("max|w| of the folded kernel (at export)" if w.clip is None else
                    f"clip ±{w.clip[0]:.6g}" if len(w.clip) == 1 else f"{len(w.clip)} per-channel clips")
            return (f"{name}: the {w.kind} kernel of {w.layer}, symmetric int8 (zero point 0, [-127, 127]·s), "
                    f"{clip}; edit it in the weight view or with qftune set-range {name} -M M\n{TIPS[col]}")
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


