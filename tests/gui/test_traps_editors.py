"""Issue 22 §2, the traps a new user met in the range editors and the table (items 1-5), each
driven by real mouse and keyboard events."""

from __future__ import annotations

import shutil

from gui_helpers import click_menu, click_row, click_run, type_into
from gui_kit import close_errors, wait_jobs
from PySide6.QtCore import QPoint, Qt

TINY = (-5.176e-06, 9.687e-05)


def _editable(plan, index=6):
    return [n for n in plan.names[1:] if not plan[n].locked][index]


def _open(make_main_window, path, qtbot, **kw):
    app = make_main_window(str(path), **kw)
    app.window.activateWindow()
    qtbot.waitUntil(app.window.isActiveWindow, timeout=3000)
    return app


def test_editors_take_and_show_the_exponent_notation_the_app_displays(make_main_window, session_copy, qtbot):
    app = _open(make_main_window, session_copy("qf"), qtbot)
    plan = app.state.plan
    name = _editable(plan)
    click_row(qtbot, app, name)
    view = app.window.tensor_panel.view
    type_into(qtbot, view.max_edit, "9.687e-5")          # max first: with the old max, -5e-6 is 0 on the grid
    type_into(qtbot, view.min_edit, "-5.176e-6")
    e = plan[name]
    assert e.method == "user"
    step = (e.max - e.min) / 255
    assert abs(e.min - TINY[0]) <= step and abs(e.max - TINY[1]) <= step, (e.min, e.max)   # not [0, 9.687]
    # shown back in the same notation, not rounded to -0.000005 / 0.000097
    assert view.min_edit.text() == f"{e.min:.7g}" and "e-06" in view.min_edit.text()
    assert view.max_edit.text() == f"{e.max:.7g}" and "e-05" in view.max_edit.text()


def test_a_second_session_with_tiny_ranges_is_not_cut_in_the_table(make_main_window, session_copy, tmp_path, qtbot):
    from core.session import Session

    first = session_copy("qf")
    tiny = tmp_path / "tiny_ranges.qft"
    shutil.copy(first, tiny)
    s = Session.load(tiny)
    names = [n for n in s.plan.names[1:] if not s.plan[n].locked][:4]
    for n in names:
        s.plan.set_range(n, *TINY)
    s.save(tiny, force=True)

    earlier = make_main_window(str(tiny), profile="p")      # opened once before: in File > Open Recent
    earlier.window.force_close()
    app = _open(make_main_window, first, qtbot, profile="p")   # the first plan sizes the columns ...
    assert "tiny_ranges.qft" in [a.text() for a in app.window.recent_menu.actions()]
    click_menu(qtbot, app.window, "&File", "Open &Recent", "tiny_ranges.qft")      # ... then File > Open Recent
    wait_jobs(qtbot, app)
    assert app.state.path == str(tiny)
    table = app.window.table
    fm = table.view.fontMetrics()
    from gui.layer_table import COL

    for n in names:
        row = table.proxy.mapFromSource(table.model.index(table.model.row_of(n), 0)).row()
        for key in ("min", "max", "scale"):
            text = table.proxy.index(row, COL[key]).data()
            assert "e-0" in text
            assert fm.horizontalAdvance(text) < table.view.columnWidth(COL[key]) - 6, (key, text)


def test_ctrl_z_in_the_editor_after_enter_undoes_the_edit(make_main_window, session_copy, qtbot):
    app = _open(make_main_window, session_copy("qf"), qtbot)
    plan = app.state.plan
    name = _editable(plan)
    click_row(qtbot, app, name)
    before = (plan[name].min, plan[name].max, plan[name].method)
    view = app.window.tensor_panel.view
    type_into(qtbot, view.max_edit, f"{0.5 * before[1]:.4f}")
    assert plan[name].method == "user"
    assert view.max_edit.hasFocus()                                   # the cursor stays in the editor
    qtbot.keyClick(view.max_edit.lineEdit(), Qt.Key_Z, Qt.ControlModifier)
    assert (plan[name].min, plan[name].max, plan[name].method) == before
    qtbot.keyClick(view.max_edit.lineEdit(), Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)     # redo
    assert plan[name].method == "user"


def test_the_nudge_note_goes_with_undo_and_the_editors_do_not_jump(make_main_window, session_copy, qtbot):
    app = _open(make_main_window, session_copy("qf"), qtbot)
    plan = app.state.plan
    name = _editable(plan)
    click_row(qtbot, app, name)
    view = app.window.tensor_panel.view
    at = view.max_edit.mapTo(app.window, QPoint(0, 0))
    type_into(qtbot, view.max_edit, "3.0123")
    assert "nudged to the int8 grid" in view.nudge_note.text()
    assert view.max_edit.mapTo(app.window, QPoint(0, 0)) == at
    qtbot.keyClick(app.window, Qt.Key_Z, Qt.ControlModifier)
    assert plan[name].method != "user" and view.nudge_note.text() == ""
    qtbot.keyClick(app.window, Qt.Key_Y, Qt.ControlModifier)
    assert plan[name].method == "user" and view.nudge_note.text() == ""     # redo: no note of a stale typing
    assert view.max_edit.mapTo(app.window, QPoint(0, 0)) == at


def test_measured_sqnr_is_marked_stale_after_an_edit_and_fresh_after_undo(make_main_window, session_copy, qf_tflite,
                                                                          qtbot):
    from gui.layer_table import COL

    app = _open(make_main_window, session_copy("qf"), qtbot)
    click_menu(qtbot, app.window, "&Jobs", "C&ompare…")
    dlg = app.dialog
    dlg.set_value("tflite", str(qf_tflite))
    dlg.set_value("images", 4)
    click_run(qtbot, dlg)
    wait_jobs(qtbot, app)
    assert not app.errors, close_errors(app)
    app.window.activateWindow()                  # back from the dialog, as the user's click would
    qtbot.waitUntil(app.window.isActiveWindow, timeout=3000)
    table = app.window.table
    model, col = table.model, COL["measured"]

    def header():
        return model.headerData(col, Qt.Horizontal, Qt.DisplayRole)

    def cell(row=3):
        return table.proxy.index(row, col).data()

    assert header() == "meas. SQNR" and not cell().startswith("(")
    fresh = cell()
    plan = app.state.plan
    name = _editable(plan)
    click_row(qtbot, app, name)
    type_into(qtbot, app.window.tensor_panel.view.max_edit, f"{0.5 * plan[name].max:.4f}")
    assert "stale" in header() and cell() == f"({fresh})"
    assert "Stale" in table.proxy.index(3, col).data(Qt.ToolTipRole)
    qtbot.keyClick(app.window, Qt.Key_Z, Qt.ControlModifier)
    assert header() == "meas. SQNR" and cell() == fresh
