"""Compare mode's graph (issue 23): both sessions' graphs side by side, each node coloured by the difference A - B
(left - right): a tensor whose range differs between the sessions takes the diverging scale's colour, an identical
one is neutral, a tensor in one model only is hatched; clicking a node selects it on both sides; usable at 1024x700
and 1280x720."""

from __future__ import annotations

import shutil

import pytest
from gui_kit import wait_jobs
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from core.graph.diff import DIVERGING, NEUTRAL


def _click_node(qtbot, graph, name):
    item = graph.items[name]
    graph.view.centerOn(item)
    pos = graph.view.mapFromScene(item.sceneBoundingRect().center())
    assert graph.view.viewport().rect().contains(pos)
    qtbot.mouseClick(graph.view.viewport(), Qt.LeftButton, pos=pos)


def _brush(graph, name) -> str:
    return graph.items[name].brush().color().name()


def _luminance(c: QColor) -> float:
    def lin(v):
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * lin(c.red()) + 0.7152 * lin(c.green()) + 0.0722 * lin(c.blue())


def _swatch_edge_contrast_on_white(label, colour: str) -> float:
    """The legend as drawn: the box of ``colour`` (its pixels' bounding box) and the least contrast against
    white (WCAG ratio) of the pixels just around it, i.e. how well the box stands out on a white page."""
    img = label.grab().toImage()
    pts = [(x, y) for x in range(img.width()) for y in range(img.height())
           if QColor(img.pixel(x, y)).name() == colour]
    assert pts, f"no {colour} swatch drawn in the legend"
    x0, x1 = min(x for x, _ in pts), max(x for x, _ in pts)
    y0, y1 = min(y for _, y in pts), max(y for _, y in pts)
    ring = ([(x0 - 1, y) for y in range(y0, y1 + 1)] + [(x1 + 1, y) for y in range(y0, y1 + 1)]
            + [(x, y0 - 1) for x in range(x0, x1 + 1)] + [(x, y1 + 1) for x in range(x0, x1 + 1)])
    inside = img.rect()      # past the label's edge is the page: white
    return min(1.05 / (_luminance(QColor(img.pixel(x, y)) if inside.contains(x, y) else QColor("white")) + 0.05)
               for x, y in ring)


@pytest.fixture
def edited_pair(gui_sessions, tmp_path):
    """Two copies of the QF session; in B one tensor's max is cut to 30 % (and its tied group follows)."""
    from core.session import Session

    a, b = tmp_path / "a.qft", tmp_path / "b.qft"
    shutil.copy(gui_sessions["qf"], a)
    session = Session.load(str(gui_sessions["qf"]))
    plan = session.plan
    name = next(n for n in plan.names[3:] if not plan[n].locked and plan[n].max > 0 and plan[n].min == 0)
    plan.set_range(name, plan[name].min, 0.3 * plan[name].max)
    session.save(str(b))
    return a, b, name


def _open(qtbot, make_main_window, left, right, size):
    app = make_main_window(str(left))
    win = app.show_compare_mode(str(left), str(right))
    wait_jobs(qtbot, app)
    win.resize(*size)
    qtbot.waitUntil(lambda: (win.width(), win.height()) == size, timeout=3000)
    assert win.left.state.plan is not None and win.right.state.plan is not None
    qtbot.mouseClick(win.graph_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: win.left.graph.isVisible() and win.right.graph.isVisible(), timeout=3000)
    qtbot.waitUntil(lambda: win.left.graph.width() > win.left.width() * 0.9, timeout=3000)
    return app, win


@pytest.mark.parametrize("size", [(1024, 700), (1280, 720)])
def test_compare_graph_colours_the_difference_and_selects_on_both_sides(make_main_window, edited_pair, qtbot, size):
    a, b, edited = edited_pair
    app, win = _open(qtbot, make_main_window, a, b, size)
    assert (win.width(), win.height()) == size, (win.width(), win.height(), win.minimumSizeHint())
    pa, pb = win.left.state.plan, win.right.state.plan
    ga, gb = win.left.graph, win.right.graph
    assert ga.metric_key == gb.metric_key == "est_sqnr"
    changed = [n for n in pa.names if (pa[n].min, pa[n].max) != (pb[n].min, pb[n].max)]
    assert edited in changed and len(changed) < len(pa.names) // 2
    sa, sb = pa[edited].estimate().sqnr_db, pb[edited].estimate().sqnr_db
    assert sa != sb
    # the only differences: each is coloured at its end of the scale (its |A - B| is the span) on both sides
    end = DIVERGING[-1][1] if sa > sb else DIVERGING[0][1]
    assert _brush(ga, edited) == _brush(gb, edited) == end
    same = [n for n in pa.names if n not in changed]
    for n in same:
        assert _brush(ga, n) == _brush(gb, n) == NEUTRAL, n
    assert ga.items[edited].brush().style() == Qt.SolidPattern
    assert "A − B" in ga.legend.text() and "hatched" in ga.legend.text()
    # the legend's "equal" swatch (near white) has a visible edge on a white or light background (WCAG 3:1)
    assert "white = equal" in ga.legend.text()
    assert _swatch_edge_contrast_on_white(ga.legend, NEUTRAL) >= 3.0

    # usable: both graphs (the side's width: the histogram makes way), their legends, metric boxes and the tables
    for side in (win.left, win.right):
        g = side.graph
        assert g.view.viewport().width() >= 300 and g.view.viewport().height() >= 200, g.view.viewport().size()
        assert not side.panel.isVisible()
        for w in (g.metric_box, g.search, g.fit_button, g.legend, side.table):
            assert w.isVisible() and w.width() > 20 and w.height() > 10, w
        assert side.table.height() > 100

    # clicking a node selects that tensor on both sides, and both graphs highlight it
    _click_node(qtbot, ga, edited)
    assert win.left.state.selected == win.right.state.selected == edited
    assert ga._selected is ga.items[edited] and gb._selected is gb.items[edited]
    other = same[len(same) // 2]
    _click_node(qtbot, gb, other)
    assert win.left.state.selected == win.right.state.selected == other
    assert ga.items[other].pen().width() > 1 and ga.items[edited].pen().width() == 1

    # the metric is shared, and the colour follows a range edit on either side: undo B's cut, all neutral
    ga.metric_box.setCurrentIndex(ga.metric_box.findData("range_width"))
    assert gb.metric_key == "range_width"
    assert _brush(gb, edited) == (DIVERGING[-1][1] if pa[edited].max > pb[edited].max else DIVERGING[0][1])
    win.right.state.set_range(edited, pa[edited].min, pa[edited].max)
    assert _brush(ga, edited) == _brush(gb, edited) == NEUTRAL

    qtbot.keyClick(win, Qt.Key_G, Qt.ControlModifier)                # Ctrl+G: both sides back to the weights
    qtbot.waitUntil(lambda: not win.left.graph.isVisible() and not win.right.graph.isVisible(), timeout=3000)
    assert win.left.weights.isVisible() and win.right.panel.isVisible() and not win.graph_button.isChecked()


def test_a_tensor_in_one_model_only_is_hatched(make_main_window, gui_sessions, qtbot):
    app, win = _open(qtbot, make_main_window, gui_sessions["tied"], gui_sessions["qf"], (1024, 700))
    pa, pb = win.left.state.plan, win.right.state.plan
    only_a = [n for n in pa.names if n not in pb.entries]
    assert only_a
    for n in pa.names:
        style = win.left.graph.items[n].brush().style()
        assert (style == Qt.BDiagPattern) == (n in only_a), n
    assert f"in this model only ({len(only_a)})" in win.left.graph.legend.text()
