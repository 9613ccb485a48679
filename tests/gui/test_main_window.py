"""The main window on a real calibrated session: table, selection, histogram, edits, undo."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from gui_kit import close_errors, wait_jobs
from PySide6.QtCore import QPointF, Qt


def data_to_viewport(plot, x: float, y: float):
    """Map a data coordinate of a pyqtgraph PlotWidget to its viewport's pixel position."""
    vb = plot.getPlotItem().getViewBox()
    return plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))


def drag(qtbot, plot, x0: float, x1: float, steps: int = 12):
    """A real mouse drag on the plot's viewport from data x0 to x1 (at mid height)."""
    vb = plot.getPlotItem().getViewBox()
    (_, _), (ylo, yhi) = vb.viewRange()
    y = 0.5 * (ylo + yhi)
    start, end = data_to_viewport(plot, x0, y), data_to_viewport(plot, x1, y)
    vp = plot.viewport()
    qtbot.mousePress(vp, Qt.LeftButton, pos=start)
    for i in range(1, steps + 1):
        qtbot.mouseMove(vp, start + (end - start) * (i / steps))
    qtbot.mouseRelease(vp, Qt.LeftButton, pos=end)


def click_row(qtbot, app, name):
    table = app.window.table
    qtbot.mouseClick(table.view.viewport(), Qt.LeftButton, pos=table.row_rect_center(name))


def test_opens_session_and_row_selection_shows_histogram(make_main_window, gui_sessions, qtbot):
    app = make_main_window(str(gui_sessions["qf"]))
    plan = app.state.plan
    assert plan is not None and app.window.table.model.rowCount() == len(plan)
    assert app.window.windowTitle().startswith("qftune — qf.qft")
    name = plan.names[5]
    click_row(qtbot, app, name)
    assert app.state.selected == name
    view = app.window.tensor_panel.view
    assert view.tensor_name == name
    edges, counts = view.curve.getData()
    e = plan[name]
    assert len(counts) == len(e.stats.counts)
    assert counts.max() == pytest.approx(math.log10(1 + e.stats.counts.max()))   # log counts by default
    assert view.region.getRegion() == pytest.approx((e.min, e.max))
    view.log_counts.setChecked(False)
    assert view.curve.getData()[1].max() == pytest.approx(e.stats.counts.max())


def test_drag_edge_changes_range_and_readouts_then_undo(make_main_window, session_copy, qtbot):
    app = make_main_window(str(session_copy("qf")))
    plan = app.state.plan
    name = max((n for n in plan.names[1:] if not plan[n].locked), key=lambda n: plan[n].max)
    app.state.select(name)
    view = app.window.tensor_panel.view
    before = (plan[name].min, plan[name].max, plan[name].method)
    sqnr_before = view.readouts["sqnr_db"].text()
    target = 0.5 * plan[name].max
    drag(qtbot, view.plot, plan[name].max, target)
    after = plan[name]
    assert after.method == "user"
    assert after.max == pytest.approx(target, rel=0.05)
    assert view.region.getRegion()[1] == pytest.approx(after.max)
    assert view.max_edit.value() == pytest.approx(after.max, abs=1e-6)
    assert view.readouts["sqnr_db"].text() != sqnr_before
    assert app.window.isWindowModified()
    qtbot.keyClick(app.window, Qt.Key_Z, Qt.ControlModifier)
    assert (plan[name].min, plan[name].max, plan[name].method) == before
    assert view.region.getRegion() == pytest.approx(before[:2])
    assert not app.window.isWindowModified()
    qtbot.keyClick(app.window, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert plan[name].max == pytest.approx(after.max)


def test_typing_in_editor_moves_region(make_main_window, session_copy, qtbot):
    app = make_main_window(str(session_copy("qf")))
    plan = app.state.plan
    name = plan.names[3]
    app.state.select(name)
    view = app.window.tensor_panel.view
    new_max = round(plan[name].max * 0.6, 4)
    view.max_edit.lineEdit().selectAll()
    qtbot.keyClicks(view.max_edit.lineEdit(), f"{new_max}")
    qtbot.keyClick(view.max_edit.lineEdit(), Qt.Key_Return)
    assert plan[name].max == pytest.approx(new_max, rel=0.01)
    assert view.region.getRegion()[1] == pytest.approx(plan[name].max)


def test_enter_in_table_accepts_greedy_and_keys_navigate(make_main_window, session_copy, qtbot):
    app = make_main_window(str(session_copy("qf")))
    plan = app.state.plan
    name = plan.names[4]
    app.state.set_range(name, plan[name].min, plan[name].max * 0.3)
    click_row(qtbot, app, name)
    qtbot.keyClick(app.window.table.view, Qt.Key_Down)
    assert app.state.selected == plan.names[5]
    qtbot.keyClick(app.window.table.view, Qt.Key_Up)
    assert app.state.selected == name
    qtbot.keyClick(app.window.table.view, Qt.Key_Return)
    g = plan.candidate(name, "greedy")
    assert (plan[name].method, plan[name].min, plan[name].max) == ("greedy", g.min, g.max)


def test_tied_group_moves_together_and_locked_refuses(make_main_window, gui_sessions, qtbot):
    app = make_main_window(str(gui_sessions["tied"]))
    plan = app.state.plan
    group = plan.group("concat")
    assert len(group) > 1
    app.state.select("concat")
    panel = app.window.tensor_panel
    assert "Tied with" in panel.view.constraint.text()
    view = panel.view
    target = 0.5 * plan["concat"].max
    drag(qtbot, view.plot, plan["concat"].max, target)
    maxes = {n: plan[n].max for n in group}
    assert len(set(maxes.values())) == 1 and plan["concat"].method == "user", maxes
    assert all(plan[n].method == "user" for n in group)

    model = app.window.table.model
    row = model.index(model.row_of("softmax"), 1)
    assert row.data() == "softmax (locked)"                       # a marker every font can draw
    assert "fixed int8 quantization" in row.data(Qt.ToolTipRole)  # ... and the tooltip says why
    app.state.select("softmax")
    before = (plan["softmax"].min, plan["softmax"].max)
    assert "Locked" in view.constraint.text() and view.constraint.isVisible()
    assert not view.max_edit.isEnabled() and not view.region.lines[1].movable
    drag(qtbot, view.plot, before[1], before[1] * 0.5)
    assert (plan["softmax"].min, plan["softmax"].max) == before
    panel.reset_to("greedy")
    assert "locked" in app.window.status_text.text()
    assert (plan["softmax"].min, plan["softmax"].max) == before


def test_corrupt_session_shows_error_and_keeps_current(make_main_window, gui_sessions, tmp_path, qtbot):
    app = make_main_window(str(gui_sessions["qf"]))
    current = app.state.session
    bad = tmp_path / "broken.qft"
    bad.write_bytes(gui_sessions["qf"].read_bytes()[:500])
    app.open(str(bad))
    wait_jobs(qtbot, app)
    qtbot.waitUntil(lambda: bool(app.errors))
    texts = close_errors(app)
    assert "broken.qft" in texts[0]
    assert app.state.session is current
    assert app.window.table.model.rowCount() == len(current.plan)


def test_opens_on_the_bundled_default_session(make_main_window, qtbot):
    from gui.app import DEFAULT_SESSION, bundled

    path = bundled(DEFAULT_SESSION)
    assert path.exists(), f"the bundled session {path} is missing from resources/"
    app = make_main_window(None)                       # what `qftune` with no arguments opens
    plan = app.state.plan
    assert app.state.path == str(path) and not app.errors
    assert plan is not None and app.window.table.model.rowCount() == len(plan) > 50   # a full MobileNetV2
    assert app.window.windowTitle().startswith(f"qftune — {path.name}")
    view = app.window.tensor_panel.view
    assert view.tensor_name == app.state.selected != ""
    assert len(view.curve.getData()[1]) == len(plan[app.state.selected].stats.counts)   # histogram drawn
    assert app.state.session.model_path and Path(app.state.session.model_path).exists()  # jobs can run on it


def test_compare_mode_selects_the_same_layer_on_both_sides(make_main_window, gui_sessions, session_copy, qtbot):
    app = make_main_window(str(gui_sessions["qf"]))
    win = app.show_compare_mode(str(session_copy("qf")), str(gui_sessions["qf"]))
    wait_jobs(qtbot, app)
    assert win.left.state.plan is not None and win.right.state.plan is not None
    name = win.left.state.plan.names[7]
    win.left.state.select(name)
    assert win.right.state.selected == name
    assert win.right.panel.view.tensor_name == name
    assert "int8 top-1" in win.left.header.text()


def test_the_input_row_shows_the_sessions_input_convention(make_main_window, session_copy, qtbot):
    """The model's input convention (issue 9) is visible where the input's range is: selecting the
    input row names it and its range; a session without one says pixel/255."""
    from core.models.convention import PIXEL_PM1
    from core.session import Session

    path = session_copy("qf")
    session = Session.load(str(path))
    session.calibration["input_convention"] = PIXEL_PM1.to_dict()
    session.save(str(path), force=True)
    app = make_main_window(str(path))
    inp = next(t.name for t in app.state.plan.tensors if t.op == "INPUT")
    click_row(qtbot, app, inp)
    text = app.window.tensor_panel.view.constraint.text()
    assert app.window.tensor_panel.view.constraint.isVisibleTo(app.window)
    assert "pixel/127.5 - 1" in text and "[-1, 1]" in text
    other = next(t.name for t in app.state.plan.tensors if t.op != "INPUT" and not t.locked)
    click_row(qtbot, app, other)
    assert "Input convention" not in app.window.tensor_panel.view.constraint.text()
