"""Issue 21 in the window: after every edit the live panel shows the plan re-scored through the warm
simulated int8 model in the engine process (agreement with float, top-1 with its interval, output
SQNR), greys the old figures until the new ones arrive, keeps each undo step's figures, and ends a
rapid series of edits with the last edit's figures. Real drags, typing and Ctrl+Z on the bundled
28 px QF MobileNetV2 with a 200-image live set."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import type_into
from gui_kit import close_errors, wait_jobs
from PySide6.QtCore import QPointF, Qt

ROOT = Path(__file__).resolve().parents[2]
SESSION = ROOT / "resources" / "sessions" / "mobilenet_v2_qf_fmnist.qft"
LIVE_IMAGES = 200


def drag(qtbot, plot, x0: float, x1: float, steps: int = 12):
    """A real mouse drag on the histogram's viewport from data x0 to x1 (at mid height)."""
    vb = plot.getPlotItem().getViewBox()
    y = 0.5 * sum(vb.viewRange()[1])
    start, end = (plot.mapFromScene(vb.mapViewToScene(QPointF(x, y))) for x in (x0, x1))
    vp = plot.viewport()
    qtbot.mousePress(vp, Qt.LeftButton, pos=start)
    for i in range(1, steps + 1):
        qtbot.mouseMove(vp, start + (end - start) * (i / steps))
    qtbot.mouseRelease(vp, Qt.LeftButton, pos=end)


def open_with_live_set(make_main_window, qtbot, target, n_images=LIVE_IMAGES, status="ready"):
    app = make_main_window(open=False, live=True)
    panel = app.window.live_panel
    panel.live.n_images = n_images
    app.open(str(target))
    wait_jobs(qtbot, app)
    qtbot.waitUntil(lambda: panel.live.status == status, timeout=180_000)
    return app, panel


def wait_figures(qtbot, panel, timeout=60_000):
    qtbot.waitUntil(lambda: not panel.greyed and panel.live.status == "ready", timeout=timeout)
    return panel.shown


def editable(plan, depth: float) -> str:
    names = [n for n in plan.names[1:] if not plan[n].locked and plan[n].max > 0]
    return names[int(depth * (len(names) - 1))]


def test_drag_and_typed_edit_change_the_figures_and_undo_restores_them(make_main_window, qtbot):
    app, panel = open_with_live_set(make_main_window, qtbot, SESSION)
    f0 = panel.shown
    assert f0["n_images"] == LIVE_IMAGES and 0.9 < f0["agreement"] <= 1.0 and f0["top1"] is not None
    assert "200 held-out images of embedded" in panel.source.text()
    assert panel.labels["agreement"].text() == f"agrees with float: {100 * f0['agreement']:.2f} %"
    plan, view = app.state.plan, app.window.tensor_panel.view

    name = editable(plan, 0.5)                       # a drag on the histogram's max line
    app.state.select(name)
    drag(qtbot, view.plot, plan[name].max, 0.15 * plan[name].max)
    assert plan[name].method == "user"
    assert panel.greyed and panel.labels["sqnr"].styleSheet() == "color: #999"   # old value greyed meanwhile
    f1 = wait_figures(qtbot, panel)
    assert f1["sqnr_db"] != f0["sqnr_db"]
    assert f1["recomputed_from"] != f0["recomputed_from"]          # re-run from the edited block, not the stem
    assert panel.labels["sqnr"].text() == f"output SQNR: {f1['sqnr_db']:.1f} dB"

    name2 = editable(plan, 0.8)                      # a value typed in the max editor
    app.state.select(name2)
    type_into(qtbot, view.max_edit, f"{0.2 * plan[name2].max:.4f}")
    assert plan[name2].method == "user"
    f2 = wait_figures(qtbot, panel)
    assert f2["sqnr_db"] != f1["sqnr_db"]
    assert panel.live.history() == [f0, f1, f2]

    app.window.activateWindow()
    qtbot.keyClick(app.window, Qt.Key_Z, Qt.ControlModifier)
    assert panel.shown == f1 and not panel.greyed        # the step's own figures, at once
    assert panel.labels["sqnr"].text() == f"output SQNR: {f1['sqnr_db']:.1f} dB"
    qtbot.keyClick(app.window, Qt.Key_Z, Qt.ControlModifier)
    assert panel.shown == f0
    xs, ys = panel.points.getData()
    assert list(xs) == [0, 1, 2] and list(ys) == pytest.approx([100 * f["agreement"] for f in (f0, f1, f2)])
    tip = panel._tip(1, 0, None)
    assert "step 1" in tip and f"{f1['sqnr_db']:.1f} dB" in tip
    redo_tip = app.window.redo_action.toolTip()                # Edit > Redo goes to step 1: its figures
    assert redo_tip.startswith("step 1") and f"{f1['sqnr_db']:.1f} dB" in redo_tip
    qtbot.keyClick(app.window, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert panel.shown == f1
    assert not app.errors, close_errors(app)


def test_a_rapid_series_of_edits_ends_with_the_last_edits_figures(make_main_window, qtbot):
    app, panel = open_with_live_set(make_main_window, qtbot, SESSION)
    plan, view = app.state.plan, app.window.tensor_panel.view
    for depth in (0.1, 0.3, 0.5, 0.7, 0.9):          # typed one after another, without waiting
        name = editable(plan, depth)
        app.state.select(name)
        type_into(qtbot, view.max_edit, f"{0.3 * plan[name].max:.4f}")
    assert app.state.undo_stack.count() == 5
    last = wait_figures(qtbot, panel)
    hist = panel.live.history()
    assert hist[5] == last
    assert any(j.status == "cancelled" for j in panel.live.runner.history)   # older computations superseded
    assert None in hist[1:5]                                                   # ... and never shown

    # the figures are those of the final plan: the same live set scored from scratch agrees
    from core.models.convention import resolve_convention
    from core.plan.weight_entry import WeightPlan
    from core.workflows.simulate import build_live_set

    s = app.state.session
    fresh = build_live_set(str(s.model_path), list(plan.tensors), plan.ranges(), WeightPlan.of(plan),
                           resolve_convention(session=s).to_dict(), dict(s.calibration), LIVE_IMAGES).figures
    assert (last["agreement"], last["top1"]) == (fresh.agreement, fresh.top1)
    assert last["sqnr_db"] == pytest.approx(fresh.sqnr_db, abs=1e-3)
    assert not app.errors, close_errors(app)


def test_a_session_whose_data_no_longer_resolves_asks_for_data(make_main_window, gui_sessions, qtbot, tmp_path):
    from core.session import Session

    s = Session.load(gui_sessions["qf"])
    s.calibration["data"] = f"folder:{tmp_path / 'moved_away'}"
    path = s.save(tmp_path / "moved.qft")
    app, panel = open_with_live_set(make_main_window, qtbot, path, status="no-data")
    assert "no longer resolves" in panel.status.text() and "moved_away" in panel.status.text()
    assert panel.shown is None and panel.ask.isVisible()

    from PIL import Image  # data that cannot score the model: 3 classes, not 10
    for c in ("a", "b", "c"):
        (tmp_path / "three" / c).mkdir(parents=True)
        Image.new("L", (28, 28), 40).save(tmp_path / "three" / c / "x.png")
    qtbot.keyClicks(panel.data_edit, f"folder:{tmp_path / 'three'}")
    qtbot.keyClick(panel.data_edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: panel.live.status == "refused", timeout=120_000)
    assert "refused" in panel.status.text() and "3 classes" in panel.status.text() and "10 outputs" in \
        panel.status.text()
    assert panel.shown is None and panel.ask.isVisible()

    panel.data_edit.clear()
    qtbot.keyClicks(panel.data_edit, "embedded")
    qtbot.keyClick(panel.data_edit, Qt.Key_Return)
    f = wait_figures(qtbot, panel, timeout=180_000)
    assert f["n_images"] == LIVE_IMAGES and "embedded" in panel.source.text() and not panel.ask.isVisible()
    assert not app.errors, close_errors(app)


def _long_named_session(d: Path) -> Path:
    """A tiny model whose first tensor has a keras.applications-long name, calibrated on the embedded set."""
    import keras

    from core.calibrate import calibrate

    keras.utils.set_random_seed(0)
    inp = keras.Input((28, 28, 1), name="image")
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="expanded_conv_depthwise_relu_stem")(inp)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    out = keras.layers.Dense(10, name="logits")(x)
    keras.Model(inp, out, name="long_names").save(d / "long_names.keras")
    calibrate(str(d / "long_names.keras"), "embedded", per_class=1).save(d / "long_names.qft")
    return d / "long_names.qft"


def test_a_long_tensor_name_wraps_inside_the_live_panel_at_1240x740(make_main_window, tmp_path, qtbot):
    """Under Xvfb at 1280x800 (the window fitted to 1240x740) an edit of a keras.applications-long tensor made
    the status line ('computed from Conv1..expanded_conv_depthwise_relu on') one unbreakable word wider than
    the live panel: it was cut off at the window's edge. The name now wraps after its '_' and '.'."""
    app, panel = open_with_live_set(make_main_window, qtbot, _long_named_session(tmp_path), n_images=50)
    app.window.resize(1240, 740)
    app.window.fit_layout()
    plan, view = app.state.plan, app.window.tensor_panel.view
    name = "expanded_conv_depthwise_relu_stem"
    app.state.select(name)
    type_into(qtbot, view.max_edit, f"{0.5 * plan[name].max:.4f}")
    f = wait_figures(qtbot, panel)
    assert f["recomputed_from"].startswith(name)
    qtbot.waitUntil(lambda: name in panel.status.text().replace("\u200b", ""))
    # every line of the status fits its label: a word-wrapping label's minimum width is its widest unbreakable
    # piece (461 px for this name before; clipped at the panel's 219 px, 'expanded_conv_depthwise_r')
    assert panel.status.minimumSizeHint().width() <= panel.status.width(), (panel.status.minimumSizeHint(),
                                                                           panel.status.width())
    assert not app.errors, close_errors(app)
