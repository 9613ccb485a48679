"""Results from the UI (Evaluate fills the accuracy table; a Compare SQNR bar selects its
layer) and the session-file safety nets (autosave + restore after a crash, the close
prompt, recent files), on real tiny models, real .tflite and real Qt widgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_kit import close_errors, wait_jobs
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox


def _override(app, index: int = 6, factor: float = 0.41) -> tuple[str, float]:
    plan = app.state.plan
    name = plan.names[index]
    app.state.set_range(name, plan[name].min, factor * plan[name].max)
    return name, plan[name].max


def _answer(qtbot, window, object_name: str, button) -> None:
    """Click ``button`` in the (non-blocking) message box ``object_name`` the window opened."""
    box = None

    def found():
        nonlocal box
        box = window.findChild(QMessageBox, object_name)
        return box is not None and box.isVisible()

    qtbot.waitUntil(found, timeout=5_000)
    qtbot.mouseClick(box.button(button), Qt.LeftButton)


def test_evaluate_from_ui_fills_float_and_int8_top1(make_main_window, session_copy, qf_tflite, qtbot):
    app = make_main_window(str(session_copy("qf")))
    dlg = app.open_action("evaluate")
    dlg.set_value("model", str(qf_tflite))
    dlg.set_value("limit", 40)
    dlg.accept()
    wait_jobs(qtbot, app)
    assert not app.errors, close_errors(app)
    result = app.state.results["evaluate"]
    table = app.window.results.accuracy
    for row, key in enumerate(("float", "int8")):
        top1 = result[key]["top1"]
        assert 0.0 <= top1 <= 1.0 and result[key]["n_images"] == 40
        assert table.item(row, 0).text() == f"{100 * top1:.2f}"
        assert table.item(row, 3).text() == "40"
    assert "int8 top-1" in app.window.results.summary.text()


def test_clicking_an_sqnr_bar_after_compare_selects_that_layer(make_main_window, session_copy, qf_tflite, qtbot):
    app = make_main_window(str(session_copy("qf")))
    dlg = app.open_action("compare")
    dlg.set_value("tflite", str(qf_tflite))
    dlg.set_value("images", 2)
    dlg.accept()
    wait_jobs(qtbot, app)
    assert not app.errors, close_errors(app)
    plan = app.state.plan
    bars = app.window.results.sqnr
    assert bars.names and set(bars.names) <= set(plan.names)
    target = next(n for n in bars.names[len(bars.names) // 3:] if n != app.state.selected)
    qtbot.mouseClick(bars.viewport(), Qt.LeftButton, pos=bars.bar_center(target))
    assert app.state.selected == target
    table = app.window.table
    current = table.view.currentIndex()
    assert table.proxy.data(current, Qt.UserRole + 2) == target            # the row is selected
    assert app.window.tensor_panel.view.tensor_name == target
    from gui.layer_table import COL

    measured = table.proxy.index(current.row(), COL["measured"]).data()
    assert measured != "–"                                                 # measured SQNR column filled


def test_autosave_survives_a_crash_and_restart_restores_the_override(make_main_window, session_copy, qtbot):
    path = session_copy("qf")
    first = make_main_window(str(path), profile="user")
    name, overridden = _override(first)
    recovery = first.files.recovery_path(str(path))
    qtbot.waitUntil(recovery.exists, timeout=10_000)       # the debounced autosave, no explicit save
    assert first.state.dirty
    # "crash": the first app never saves nor closes; a new app of the same user opens the file
    second = make_main_window(str(path), profile="user")
    assert second.state.plan[name].method != "user"         # the file on disk has no override ...
    _answer(qtbot, second.window, "recoveryPrompt", QMessageBox.Yes)
    entry = second.state.plan[name]                         # ... the recovery file has it
    assert (entry.method, entry.max) == ("user", pytest.approx(overridden))
    assert second.state.dirty and second.window.isWindowModified()
    assert second.state.path == str(path)


def test_close_with_unsaved_changes_asks_and_cancel_keeps_then_save_writes(make_main_window, session_copy, qtbot):
    path = session_copy("qf")
    app = make_main_window(str(path))
    name, overridden = _override(app)
    app.window.close()
    _answer(qtbot, app.window, "closePrompt", QMessageBox.Cancel)
    assert app.window.isVisible() and app.state.dirty
    app.window.close()
    _answer(qtbot, app.window, "closePrompt", QMessageBox.Save)
    qtbot.waitUntil(lambda: not app.window.isVisible(), timeout=5_000)
    from core.session import Session

    saved = Session.load(str(path)).plan[name]
    assert (saved.method, saved.max) == ("user", pytest.approx(overridden))
    assert not app.files.recovery_path(str(path)).exists()


def test_recent_files_list_updates_and_reopens(make_main_window, session_copy, gui_sessions, tmp_path, qtbot):
    first = session_copy("qf")
    app = make_main_window(str(first), profile="recent")
    other = tmp_path / "renamed.qft"
    assert app.files.save(str(other))
    menu = app.window.recent_menu
    assert [a.text() for a in menu.actions()][:2] == ["renamed.qft", first.name]
    assert Path(menu.actions()[1].toolTip()) == first.resolve()
    menu.actions()[1].trigger()                             # reopen the first file from the menu
    wait_jobs(qtbot, app)
    assert app.state.path == menu.actions()[1].toolTip() or Path(app.state.path).resolve() == first.resolve()
    assert [a.text() for a in app.window.recent_menu.actions()][:2] == [first.name, "renamed.qft"]
    # a new app of the same user starts with the list
    again = make_main_window(None, open=False, profile="recent")
    assert [a.text() for a in again.window.recent_menu.actions()][:2] == [first.name, "renamed.qft"]


def test_compare_mode_measures_both_int8_accuracies(make_main_window, gui_sessions, session_copy, qtbot):
    app = make_main_window(str(gui_sessions["qf"]))
    win = app.show_compare_mode(str(session_copy("qf")), str(gui_sessions["qf"]))
    wait_jobs(qtbot, app)
    job = win.measure_accuracy(limit=20)
    assert job is not None
    wait_jobs(qtbot, app, timeout=180_000)
    assert job.status == "ok" and not app.errors, close_errors(app)
    for side in (win.left, win.right):
        int8, flt = side.measured["int8"], side.measured["float"]
        assert int8["n_images"] == flt["n_images"] == 20 and int8["kind"] == "int8 tflite"
        assert f"int8 top-1 {100 * int8['top1']:.2f} %" in side.header.text()
        assert "per-tensor weights" in side.header.text()
