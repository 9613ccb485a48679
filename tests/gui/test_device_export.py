"""Issue 11, items 4 and 9: what Export writes reaches the Device panel, the panel fits a
desktop screen, the Export dialog has sensible defaults and keeps what was typed, and the
Jobs menu is off while a job runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import click_menu, click_run
from gui_kit import wait_jobs
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QScrollArea, QTabBar


def _raise_tab(qtbot, window, title: str) -> None:
    for bar in window.findChildren(QTabBar):
        for i in range(bar.count()):
            if bar.tabText(i) == title and bar.isVisible():
                qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(i).center())
                return
    raise AssertionError(f"no {title!r} tab")


def _wheel(widget, delta: int = -240) -> None:
    pos = QPointF(widget.rect().center())
    ev = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, delta),
                     Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


@pytest.mark.timeout(300)
def test_export_reaches_the_device_panel_that_fits_1600x1000(make_main_window, session_copy, qf_tflite, tmp_path,
                                                             qtbot, monkeypatch):
    path = session_copy("qf")
    app = make_main_window(str(path))
    win = app.window
    win.resize(1600, 1000)
    win.fit_layout()
    panel = win.device_panel
    assert panel is not None and not panel.measure_button.isEnabled()
    note = panel.form.tools_note.text()
    assert "benchmark_model" in note and "run_eval" in note and "performance-measurement" in note
    assert "never downloads" in note

    click_menu(qtbot, win, "&Jobs", "&Export…")
    dlg = app.dialog
    out = dlg.widgets["out"].edit.text()
    assert out == str(tmp_path / "qf_int8.tflite")                     # <session>_int8.tflite beside it
    click_run(qtbot, dlg)
    assert all(not a.isEnabled() for a in win.job_actions)             # no second job while this one runs
    wait_jobs(qtbot, app)
    assert Path(out).exists() and all(a.isEnabled() for a in win.job_actions)
    assert panel.model_picker.currentText().startswith("qf_int8.tflite")    # the export, preselected
    assert panel.models["int8"] == out and Path(panel.models["float"]).exists()
    assert panel.measure_button.isEnabled()

    _raise_tab(qtbot, win, "Device")
    scroll = panel.parentWidget().parentWidget()
    assert isinstance(scroll, QScrollArea)
    qtbot.waitUntil(lambda: panel.isVisible() and scroll.verticalScrollBar().maximum() == 0
                    and not scroll.verticalScrollBar().isVisible(), timeout=3000)
    view = scroll.viewport().rect()
    for w in (panel.measure_button, panel.model_picker, panel.form.bench_tool, panel.form.tools_note, panel.plot,
              panel.results):
        top_left = w.mapTo(scroll.viewport(), QPoint(0, 0))
        assert w.isVisible() and view.contains(top_left) and view.contains(top_left + QPoint(w.width() - 1,
                                                                                             w.height() - 1)), w
    assert panel.plot.height() >= 100

    # any .tflite is choosable (the picker's last entry opens a file dialog)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(qf_tflite), "")))
    panel.model_picker.setFocus()
    qtbot.keyClick(panel.model_picker, Qt.Key_End)
    assert panel.models == {"int8": str(qf_tflite)}
    assert panel.model_picker.currentText() == qf_tflite.name


def test_wheel_over_the_device_plot_scrolls_the_panel_unless_the_plot_has_focus(make_main_window, qtbot):
    app = make_main_window(None, open=False)
    win = app.window
    win.activateWindow()
    win.resize(1024, 700)
    win.fit_layout()
    _raise_tab(qtbot, win, "Device")
    panel = win.device_panel
    scroll = panel.parentWidget().parentWidget()
    win.resizeDocks([win.device_dock], [160], Qt.Vertical)              # a short dock: the panel scrolls
    qtbot.waitUntil(lambda: scroll.verticalScrollBar().maximum() > 0, timeout=3000)
    vb = panel.plot.getPlotItem().getViewBox()
    before = vb.viewRange()
    _wheel(panel.plot.viewport())
    assert scroll.verticalScrollBar().value() > 0 and vb.viewRange() == before
    scroll.verticalScrollBar().setValue(0)
    qtbot.mouseClick(panel.plot.viewport(), Qt.LeftButton)              # the plot takes focus ...
    assert panel.plot_has_focus()
    _wheel(panel.plot.viewport())
    assert vb.viewRange() != before and scroll.verticalScrollBar().value() == 0     # ... and zooms


def test_export_dialog_stays_open_on_a_bad_option_and_file_dialogs_remember_the_folder(make_main_window,
                                                                                        session_copy, tmp_path,
                                                                                        qtbot, monkeypatch):
    app = make_main_window(str(session_copy("qf")))
    click_menu(qtbot, app.window, "&Jobs", "&Export…")
    dlg = app.dialog
    dlg.widgets["out"].edit.clear()
    qtbot.keyClicks(dlg.widgets["float_out"].edit, "x")
    click_run(qtbot, dlg)
    assert dlg.isVisible() and "Output" in dlg.error.text()            # still open, what was typed kept
    assert dlg.widgets["float_out"].edit.text().endswith("x") and not app.runner.busy
    dlg.reject()

    # Ctrl+O starts in the folder of the last file chosen
    folder = tmp_path / "sessions_here"
    folder.mkdir()
    seen = []

    def fake_open(parent, caption, start, filt):
        seen.append(start)
        return (str(folder / "nothing.qft"), "") if len(seen) == 1 else ("", "")

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake_open))
    app.window.activateWindow()
    qtbot.keyClick(app.window, Qt.Key_O, Qt.ControlModifier)
    wait_jobs(qtbot, app)
    from gui_kit import close_errors

    close_errors(app)                                                   # nothing.qft does not exist
    app.window.activateWindow()
    qtbot.waitUntil(app.window.isActiveWindow, timeout=3000)
    qtbot.keyClick(app.window, Qt.Key_O, Qt.ControlModifier)
    assert len(seen) == 2 and Path(seen[1]) == folder
