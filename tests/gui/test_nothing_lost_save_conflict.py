"""Save when the session file changed on disk since it was opened (issue 10): the GUI says so and offers
Reload / Save As… / Overwrite; nothing is written until the user picks one."""

from __future__ import annotations

import pytest
from gui_kit import wait_jobs
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from cli_kit import run


def _cli_set_range(path, name, lo, hi):
    out = run("set-range", path, name, lo, hi)       # another qftune, in this process: the file changes on disk
    assert out.returncode == 0, out.stderr


def _conflict_box(qtbot, window) -> QMessageBox:
    box = None

    def found():
        nonlocal box
        box = window.findChild(QMessageBox, "save_conflict")
        return box is not None and box.isVisible()

    qtbot.waitUntil(found, timeout=5_000)
    return box


def _click(qtbot, box: QMessageBox, text: str) -> None:
    button = next(b for b in box.buttons() if b.text() == text)
    qtbot.mouseClick(button, Qt.LeftButton)


def _edit_in_gui_then_save(app, qtbot, path):
    from core.session import Session

    names = app.state.plan.names
    gui_name, cli_name = names[3], names[5]
    _cli_set_range(path, cli_name, -0.25, 0.5)                  # someone else edits the open file
    on_disk = path.read_bytes()
    app.state.set_range(gui_name, -1.0, 1.0)                     # the GUI edits its copy
    qtbot.keyClick(app.window, Qt.Key_S, Qt.ControlModifier)     # Ctrl+S
    box = _conflict_box(qtbot, app.window)
    assert "changed since it was opened" in box.text()
    assert path.read_bytes() == on_disk and app.state.dirty      # nothing written yet
    assert Session.load(path).plan[cli_name].method == "user"
    return box, gui_name, cli_name


@pytest.mark.parametrize("choice", ["Reload", "Overwrite", "Save As…", "Cancel"])
def test_save_over_a_file_changed_on_disk_asks_first(make_main_window, session_copy, qtbot, tmp_path, monkeypatch,
                                                     choice):
    from core.session import Session

    path = session_copy("qf")
    app = make_main_window(str(path))
    box, gui_name, cli_name = _edit_in_gui_then_save(app, qtbot, path)
    other = tmp_path / "mine.qft"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(other), ""))   # the OS file dialog
    if choice == "Cancel":
        qtbot.mouseClick(box.button(QMessageBox.Cancel), Qt.LeftButton)
    else:
        _click(qtbot, box, choice)
    wait_jobs(qtbot, app)
    qtbot.waitUntil(lambda: app.window.findChild(QMessageBox, "save_conflict") is None
                    or not app.window.findChild(QMessageBox, "save_conflict").isVisible(), timeout=5_000)
    if choice != "Cancel":
        qtbot.waitUntil(lambda: not app.state.dirty, timeout=10_000)
    disk = Session.load(path).plan
    if choice == "Reload":
        assert app.state.plan[cli_name].method == "user" and app.state.plan[gui_name].method != "user"
        assert disk[cli_name].method == "user"
    elif choice == "Overwrite":
        assert disk[gui_name].method == "user" and disk[cli_name].method != "user"
    elif choice == "Save As…":
        assert disk[cli_name].method == "user" and disk[gui_name].method != "user"      # the other edit kept
        mine = Session.load(other).plan
        assert mine[gui_name].method == "user" and app.state.path == str(other)
    else:
        assert app.state.dirty and disk[cli_name].method == "user" and disk[gui_name].method != "user"
