"""Issue 11, items 1-3: no lost work, no phantom edits, no false crash prompt — driven by
real mouse and keyboard events on the real window (and a real app process for crashes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from gui_helpers import answer, click_menu, click_row, click_run, find_box, type_into
from gui_kit import wait_jobs
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

HERE = Path(__file__).resolve().parent


def _edit_max(qtbot, app, index=6, factor=0.5):
    plan = app.state.plan
    name = plan.names[index]
    click_row(qtbot, app, name)
    type_into(qtbot, app.window.tensor_panel.view.max_edit, f"{factor * plan[name].max:.4f}")
    assert plan[name].method == "user" and app.state.dirty
    return name, plan[name].max


# ---- item 1: replacing the open session asks first; a fresh calibration is unsaved -------------

def test_calibrate_asks_before_discarding_edits_and_the_new_session_is_unsaved(make_main_window, session_copy,
                                                                                qtbot):
    path = session_copy("qf")
    app = make_main_window(str(path))
    app.window.activateWindow()
    name, edited = _edit_max(qtbot, app)
    session = app.state.session

    click_menu(qtbot, app.window, "&Jobs", "&Calibrate…")
    answer(qtbot, app.window, "replacePrompt", QMessageBox.Cancel)
    assert app.dialog is None and app.state.session is session and app.state.plan[name].max == edited

    click_menu(qtbot, app.window, "&Jobs", "&Calibrate…")
    answer(qtbot, app.window, "replacePrompt", QMessageBox.Discard)
    dlg = app.dialog
    assert dlg is not None and dlg.isVisible()
    type_into(qtbot, dlg.widgets["per_class"], "1", enter=False)
    click_run(qtbot, dlg)
    wait_jobs(qtbot, app)
    assert not app.errors, [b.text() + b.detailedText()[-1500:] for b in app.errors]
    assert [j.status for j in app.runner.history][-1:] == ["ok"], app.messages
    assert app.state.session is not session and app.state.path is None
    assert app.state.dirty and app.window.isWindowModified()            # unsaved until saved
    assert "untitled" in app.window.windowTitle()
    app.window.close()                                                  # Ctrl+Q would ask, not lose it
    answer(qtbot, app.window, "closePrompt", QMessageBox.Cancel)
    assert app.window.isVisible()


def test_open_recent_asks_and_save_keeps_the_edit(make_main_window, session_copy, gui_sessions, tmp_path, qtbot):
    import shutil

    other = tmp_path / "other.qft"
    shutil.copy(gui_sessions["qf"], other)
    path = session_copy("qf")
    app = make_main_window(str(other), profile="r")
    app.open(str(path))
    wait_jobs(qtbot, app)
    app.window.activateWindow()
    name, edited = _edit_max(qtbot, app)

    click_menu(qtbot, app.window, "&File", "Open &Recent", "other.qft")
    answer(qtbot, app.window, "replacePrompt", QMessageBox.Cancel)
    assert Path(app.state.path) == path and app.state.plan[name].max == edited

    click_menu(qtbot, app.window, "&File", "Open &Recent", "other.qft")
    answer(qtbot, app.window, "replacePrompt", QMessageBox.Save)
    wait_jobs(qtbot, app)
    assert Path(app.state.path) == other and not app.state.dirty
    from core.session import Session

    assert Session.load(str(path)).plan[name].max == pytest.approx(edited)


# ---- item 2: focus in/out commits nothing; never across a switch --------------------------------

def test_focus_in_and_out_of_the_editors_creates_no_override(make_main_window, session_copy, qtbot):
    app = make_main_window(str(session_copy("qf")))
    app.window.activateWindow()
    plan = app.state.plan
    a, b = plan.names[4], plan.names[7]
    before = (plan[a].min, plan[a].max, plan[a].method)
    view = app.window.tensor_panel.view
    click_row(qtbot, app, a)
    qtbot.mouseClick(view.min_edit.lineEdit(), Qt.LeftButton)          # click into min, type nothing
    assert view.min_edit.lineEdit().hasFocus()
    click_row(qtbot, app, b)                                            # ... and click another row
    qtbot.mouseClick(view.max_edit.lineEdit(), Qt.LeftButton)
    qtbot.keyClick(view.max_edit.lineEdit(), Qt.Key_Tab)
    click_row(qtbot, app, a)
    assert (plan[a].min, plan[a].max, plan[a].method) == before
    assert plan[b].method != "user"
    assert app.state.undo_stack.count() == 0 and not app.window.isWindowModified()

    # a range reset to entropy stays entropy through the same clicks
    app.window.tensor_panel.reset_to("entropy")
    assert plan[a].method == "entropy"
    qtbot.mouseClick(view.min_edit.lineEdit(), Qt.LeftButton)
    click_row(qtbot, app, b)
    assert plan[a].method == "entropy" and app.state.undo_stack.count() == 1

    # a typed change of one end keeps the other end exactly
    click_row(qtbot, app, a)
    lo = plan[a].min
    type_into(qtbot, view.max_edit, f"{0.5 * plan[a].max:.4f}")
    assert plan[a].method == "user" and plan[a].min == lo


def test_an_editor_with_focus_never_edits_the_next_session(make_main_window, session_copy, gui_sessions, qtbot):
    app = make_main_window(str(session_copy("qf")))
    app.window.activateWindow()
    view = app.window.tensor_panel.view
    type_into(qtbot, view.max_edit, "0.123", enter=False)               # typed, not entered
    assert view.max_edit.lineEdit().hasFocus()
    app.open(str(gui_sessions["qf"]))                                  # another file opens meanwhile
    wait_jobs(qtbot, app)
    plan = app.state.plan
    click_row(qtbot, app, plan.names[9])                                # focus leaves the editor
    assert all(plan[n].method != "user" for n in plan.names)
    assert app.state.undo_stack.count() == 0 and not app.window.isWindowModified()


# ---- item 3: recovery only after a real crash ---------------------------------------------------

def _child(mode: str, session: Path, tmp_path: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.Popen([sys.executable, str(HERE / "app_child.py"), mode, str(session),
                             str(tmp_path / "settingsuser.ini"), str(tmp_path / "recoveryuser"), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _crashed_edit(session: Path, tmp_path: Path) -> tuple[str, float]:
    """A child qftune edits ``session`` and is killed with SIGKILL before it saves: (tensor name, edited max)."""
    proc = _child("crash", session, tmp_path)
    try:
        return _read_edit(proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)


def _read_edit(proc) -> tuple[str, float]:
    edited = None
    for line in proc.stdout:
        if line.startswith("EDITED"):
            _, name, value = line.split()
            edited = (name, float(value))
        if line.startswith("READY"):
            return edited
    raise AssertionError(f"the app process ended early: {proc.stderr.read()[-2000:]}")


def _no_prompt(qtbot, app) -> bool:
    qtbot.wait(800)
    return app.window.findChild(QMessageBox, "recoveryPrompt") is None


@pytest.mark.timeout(180)
def test_kill_9_with_an_override_pending_prompts_and_restores_it(make_main_window, session_copy, tmp_path, qtbot):
    path = session_copy("qf")
    name, edited = _crashed_edit(path, tmp_path)
    app = make_main_window(str(path), profile="user")
    box = find_box(qtbot, app.window, "recoveryPrompt")
    assert path.name in box.text()
    answer(qtbot, app.window, "recoveryPrompt", QMessageBox.Yes)
    assert app.state.plan[name].method == "user" and app.state.plan[name].max == pytest.approx(edited)
    assert app.state.dirty


@pytest.mark.timeout(180)
def test_clean_quit_and_save_as_leave_no_crash_prompt(make_main_window, session_copy, tmp_path, qtbot):
    path = session_copy("qf")
    s3 = tmp_path / "s3.qft"
    # one app start, both clean ways out: edit, Save As s3.qft (the edit's recovery file must go), edit s3
    # again (its own recovery file), quit and answer Discard (that one must go too)
    proc = _child("saveas-discard", path, tmp_path, str(s3))
    _read_edit(proc)
    assert proc.wait(60) == 0, proc.stderr.read()[-2000:]
    assert "EDITED2" in proc.stdout.read()                      # the second edit was made and autosaved
    assert s3.exists()
    assert not [p for p in (tmp_path / "recoveryuser").glob("*") if p.suffix == ".qft"]
    app = make_main_window(str(path), profile="user")
    assert _no_prompt(qtbot, app)
    app.open(str(s3))
    wait_jobs(qtbot, app)
    assert _no_prompt(qtbot, app)


def test_ctrl_c_in_the_terminal_with_unsaved_edits_asks_and_cancel_keeps_them(make_main_window, session_copy,
                                                                                 gui_sessions, qtbot):
    """Ctrl+C in the terminal (a real SIGINT to this process) is the window's close: with an unsaved edit it
    asks (Save / Discard / Cancel) instead of quitting; Cancel leaves the window and the edit as they were."""
    from gui import terminal

    path = session_copy("qf")
    app = make_main_window(str(path))
    name, edited = _edit_max(qtbot, app)
    before = signal.getsignal(signal.SIGINT)
    try:
        terminal.quit_on_ctrl_c(app.window)
        os.kill(os.getpid(), signal.SIGINT)
        answer(qtbot, app.window, "closePrompt", QMessageBox.Cancel)
    finally:
        signal.signal(signal.SIGINT, before)
    assert app.window.isVisible() and app.state.dirty and app.state.plan[name].max == edited
    assert path.read_bytes() == gui_sessions["qf"].read_bytes()          # the file was not written
