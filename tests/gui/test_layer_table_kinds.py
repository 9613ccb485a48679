"""The layer table shows each op's precision and, on demand, the kernel entries (LAYER/kernel): the combo box
beside the filter lists activations, weights or all, the name filter applies to both, and a kernel row
selects its layer."""

from __future__ import annotations

from gui_helpers import click_row
from PySide6.QtCore import Qt

from cli_kit import run


def _floatable(plan) -> str:
    from core.plan.checks import PlanError

    for name in plan.weights:
        try:
            plan.set_precision(name, "float", apply=False)
            return name
        except PlanError:
            continue
    raise AssertionError("no op of the tiny model may be float")


def _cell(table, name: str, key: str) -> str:
    from gui.layer_table import COL

    idx = table.proxy.mapFromSource(table.model.index(table.model.row_of(name), COL[key]))
    return table.proxy.data(idx)


def _choose_kind(qtbot, table, kind: str) -> None:
    """Pick ``kind`` in the combo box with the keyboard, as a user would."""
    combo = table.kinds
    qtbot.mouseClick(combo, Qt.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=3000)
    target = combo.findText(kind)
    key = Qt.Key_Down if target > combo.currentIndex() else Qt.Key_Up
    for _ in range(abs(target - combo.currentIndex())):
        qtbot.keyClick(view, key)
    qtbot.keyClick(view, Qt.Key_Return)
    qtbot.waitUntil(lambda: combo.currentText() == kind, timeout=3000)


def test_precision_column_and_the_weight_entries_filterable(make_main_window, session_copy, qtbot):
    from core.session import Session

    path = session_copy("qf")
    plan = Session.load(path).plan
    op = _floatable(plan)
    reader = next(t.name for t in plan.tensors if op in t.inputs)
    clipped = next(n for n in plan.weights if n != op)
    assert run("set-precision", path, op, "float").returncode == 0
    assert run("set-range", path, f"{clipped}/kernel", "-M", "0.5").returncode == 0

    app = make_main_window(str(path))
    table, plan = app.window.table, app.state.plan
    # activations (the default): one row per tensor, each with its op's precision
    assert table.kinds.currentText() == "activations" and table.model.rowCount() == len(plan)
    assert _cell(table, op, "precision") == "float" and _cell(table, reader, "precision") == "float-input"
    others = [n for n in plan.names if n not in (op, reader)]
    assert {_cell(table, n, "precision") for n in others} == {"int8"}

    _choose_kind(qtbot, table, "weights")
    assert table.model.rowCount() == len(plan.weights) == table.proxy.rowCount()
    k = f"{clipped}/kernel"
    assert (_cell(table, k, "min"), _cell(table, k, "max"), _cell(table, k, "method")) == ("-0.5", "0.5", "user")
    assert _cell(table, k, "precision") == "int8 per-tensor" and _cell(table, f"{op}/kernel", "precision") == "float"
    qtbot.keyClicks(table.filter, clipped)                     # the name filter works on kernel rows too
    assert table.proxy.rowCount() >= 1
    assert all(clipped in table.proxy.index(r, 1).data() for r in range(table.proxy.rowCount()))
    click_row(qtbot, app, k)                                   # a kernel row selects its layer
    assert app.state.selected == clipped

    table.filter.clear()
    _choose_kind(qtbot, table, "all")
    assert table.model.rowCount() == len(plan) + len(plan.weights)
    # sorted by position: each kernel right after its layer's tensor
    names = [table.proxy.index(r, 1).data() for r in range(table.proxy.rowCount())]
    assert names.index(k) == names.index(clipped) + 1
    # an edit of a kernel updates its row
    app.state.set_weight_clip(k, 0.25)
    assert _cell(table, k, "max") == "0.25"
