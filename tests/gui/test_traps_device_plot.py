"""Issue 22 §2 trap 11: in the Device panel, the "LPIRC budget 30 ms" label is drawn whole inside the
plot, and the empty round axis has whole rounds only (no 0.1 .. 0.9)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabBar


def _show_device_tab(qtbot, app):
    bar = next(b for b in app.window.findChildren(QTabBar)
               if any(b.tabText(i) == "Device" for i in range(b.count())))
    i = next(i for i in range(bar.count()) if bar.tabText(i) == "Device")
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(i).center())       # the user clicks the Device tab
    panel = app.window.device_panel
    qtbot.waitUntil(lambda: panel.plot.isVisible() and panel.plot.height() > 60, timeout=3000)
    qtbot.wait(200)
    return panel.plot


def _inside(plot):
    label = plot.budget_line.label
    view = plot.getPlotItem().vb
    return view.sceneBoundingRect().contains(label.sceneBoundingRect()), label.toPlainText()


def test_budget_label_is_whole_and_the_empty_round_axis_has_integer_ticks(make_main_window, gui_sessions, qtbot):
    app = make_main_window(str(gui_sessions["qf"]))
    for size in ((1500, 920), (1024, 700)):
        app.window.resize(*size)
        plot = _show_device_tab(qtbot, app)
        inside, text = _inside(plot)
        assert text == "LPIRC budget 30 ms" and inside, size
    axis = plot.getPlotItem().getAxis("bottom")
    lo, hi = plot.getPlotItem().vb.viewRange()[0]
    values = [v for _spacing, vs in axis.tickValues(lo, hi, axis.width()) for v in vs]
    assert values and all(float(v).is_integer() and v >= 1 for v in values), values
    plot.reset(["a"])
    plot.add_round("a", 7, 12.0)                          # later rounds widen the axis, still whole numbers
    lo, hi = plot.getPlotItem().vb.viewRange()[0]
    assert hi >= 7
    values = [v for _spacing, vs in axis.tickValues(lo, hi, axis.width()) for v in vs]
    assert values and all(float(v).is_integer() for v in values), values
