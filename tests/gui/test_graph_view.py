"""The Graph tab under the table (issue 23): clicking a node selects its tensor and the table follows (and back);
a node's colour follows a range edit; usable at 1024x700."""

from __future__ import annotations

from gui_helpers import click_menu, click_row, type_into
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.graph.metrics import colour, normalise, scale


def _click_node(qtbot, graph, name):
    item = graph.items[name]
    graph.view.centerOn(item)
    pos = graph.view.mapFromScene(item.sceneBoundingRect().center())
    qtbot.mouseClick(graph.view.viewport(), Qt.LeftButton, pos=pos)


def _open_graph(qtbot, app):
    win = app.window
    click_menu(qtbot, win, "&View", "&Graph")
    qtbot.waitUntil(win.graph.isVisible, timeout=3000)
    assert not win.weight_view.isVisible()
    return win.graph


def test_clicking_a_node_selects_its_tensor_and_back(make_main_window, session_copy, qtbot):
    app = make_main_window(str(session_copy("qf")))
    graph = _open_graph(qtbot, app)
    names = app.state.plan.names
    assert set(graph.items) == set(names)
    target = next(n for n in reversed(names) if n != app.state.selected)
    _click_node(qtbot, graph, target)
    assert app.state.selected == target
    table = app.window.table
    current = table.view.currentIndex()
    assert table.model.name_at(table.proxy.mapToSource(current).row()) == target
    other = names[2] if names[2] != target else names[3]
    click_row(qtbot, app, other)
    qtbot.waitUntil(lambda: app.state.selected == other, timeout=3000)
    assert graph._selected is graph.items[other] and graph.items[other].pen().width() > 1
    assert graph.items[target].pen().width() == 1


def test_a_nodes_colour_follows_a_range_edit(make_main_window, session_copy, qtbot):
    app = make_main_window(str(session_copy("qf")))
    graph = _open_graph(qtbot, app)
    name = next(n for n in app.state.plan.names if not app.state.plan[n].locked and app.state.plan[n].max > 0
                and n != app.state.plan.names[0])
    click_row(qtbot, app, name)
    qtbot.waitUntil(lambda: app.state.selected == name, timeout=3000)
    assert graph.metric_key == "est_sqnr"
    before = graph.items[name].brush().color().name()
    old_max = app.state.plan[name].max
    type_into(qtbot, app.window.tensor_panel.view.max_edit, f"{old_max * 0.2:.4f}")
    qtbot.waitUntil(lambda: app.state.plan[name].max < old_max * 0.5, timeout=3000)
    after = graph.items[name].brush().color().name()
    want = colour(normalise("est_sqnr", app.state.plan[name].estimate().sqnr_db, scale("est_sqnr", {})))
    assert after == want and after != before
    app.state.undo_stack.undo()
    assert graph.items[name].brush().color().name() == before


def test_graph_tab_usable_at_1024x700(make_main_window, session_copy, qtbot):
    app = make_main_window(str(session_copy("qf")))
    win = app.window
    win.resize(1024, 700)
    win.fit_layout()
    qtbot.waitUntil(lambda: win.width() == 1024, timeout=3000)
    graph = _open_graph(qtbot, app)
    qtbot.wait(100)
    assert win.width() == 1024 and win.height() == 700, (win.width(), win.height(), win.minimumSizeHint())
    # the table, the histogram and the live figures stay on screen beside the graph
    for w in (win.table, win.tensor_panel, win.live_panel):
        assert w.isVisible() and w.width() > 150 and w.height() > 150, (w, w.width(), w.height())
    assert graph.view.viewport().width() >= 150 and graph.view.viewport().height() >= 200
    for w in (graph.metric_box, graph.search, graph.fit_button, graph.legend):
        assert w.isVisible() and w.width() > 20
    qtbot.mouseClick(graph.fit_button, Qt.LeftButton)
    first = app.state.plan.names[0]
    r = graph.view.mapFromScene(graph.items[first].sceneBoundingRect()).boundingRect()
    assert r.width() <= graph.view.viewport().width() + 2            # a node fits across the view
    qtbot.mouseClick(graph.search, Qt.LeftButton)
    last = app.state.plan.names[-1]
    qtbot.keyClicks(graph.search, last)
    qtbot.keyClick(graph.search, Qt.Key_Return)
    assert app.state.selected == last
    assert graph.view.viewport().rect().intersects(
        graph.view.mapFromScene(graph.items[last].sceneBoundingRect()).boundingRect())
    win.activateWindow()                                           # the View menu's popup was the last active
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=3000)
    qtbot.keyClick(win, Qt.Key_G, Qt.ControlModifier)              # Ctrl+G: back to the weights
    qtbot.waitUntil(lambda: not graph.isVisible(), timeout=3000)
    assert win.lower_tabs.currentWidget() is win.weight_view and not win.graph_action.isChecked()


def test_a_long_layer_name_stays_inside_its_node(make_main_window, session_copy, qtbot):
    """keras.applications names (``expanded_conv_depthwise · dw conv+relu6``) are wider than a node: the
    label shrinks to fit its box instead of running over the neighbouring edges (seen under Xvfb)."""
    app = make_main_window(str(session_copy("tied")))
    graph = _open_graph(qtbot, app)
    names = [n for n in graph.items if "expanded_conv" in n]
    assert names, list(graph.items)                                 # the long name is in the graph
    for name, item in graph.items.items():
        box = item.sceneBoundingRect()
        for label in item.childItems():
            assert box.contains(label.sceneBoundingRect()), (name, box, label.sceneBoundingRect())
