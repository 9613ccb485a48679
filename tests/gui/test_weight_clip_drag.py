"""Issue 25 in the GUI: dragging the weight view's per-tensor range line clips the layer's kernel
(LAYER/kernel) in the plan, the erased channels come back, the export stores that clip, Ctrl+Z undoes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from gui_kit import close_errors, wait_jobs
from PySide6.QtCore import QPointF, Qt

from model_kit import kill_bn_channel


@pytest.fixture(scope="module")
def dead_channel_session(tmp_path_factory):
    """A tiny MobileNetV1 whose block3_dw has a dead BN channel (folded scale ~1/sqrt(eps))."""
    import keras

    from core.calibrate import calibrate
    from core.models import QFConfig, build_mobilenet_v1

    d = tmp_path_factory.mktemp("clip_drag")
    keras.utils.set_random_seed(1)
    model = build_mobilenet_v1(input_size=28, width=0.25, qf=QFConfig.original(), name="tiny_dead")
    kill_bn_channel(model, "block3_dw_bn", 2, 2000.0)
    path = d / "tiny_dead.keras"
    model.save(path)
    return model, str(calibrate(str(path), "embedded", per_class=1).save(d / "tiny_dead.qft"))


def _viewport_point(plot, x: float, y: float):
    vb = plot.getPlotItem().getViewBox()
    return plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))


def test_dragging_the_clip_line_clips_the_kernel_and_reaches_the_export(make_main_window, dead_channel_session,
                                                                         qtbot, tmp_path, monkeypatch):
    model, session = dead_channel_session
    cwd = tmp_path / "cwd"                        # where qftune was started from: nothing may land there
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    session_dir = Path(session).parent
    beside_session = {p.name for p in session_dir.iterdir()}
    app = make_main_window(session)
    qtbot.waitUntil(lambda: not app.weights.busy, timeout=120_000)
    app.window.resize(1600, 1000)
    app.window.fit_layout()
    view, plan = app.window.weight_view, app.state.plan
    qtbot.waitUntil(lambda: view.isVisible() and view.plot.height() > 150, timeout=3000)
    name = next(t.name for t in plan.tensors if t.layers and t.layers[0] == "block3_dw")
    app.state.select(name)
    # the session opens on the image tensor, which has no kernel: the plot is hidden until a layer with
    # one is selected; let the layout give it its place again before computing where to press
    qtbot.waitUntil(lambda: view.plot.isVisible() and view.plot.height() > 150, timeout=3000)
    qtbot.wait(100)
    lw = view.weights
    live = float(np.delete(lw.abs_max, 2).max())
    assert lw.abs_max[2] > 254 * live and len(view.highlighted_channels()) > lw.channels // 2

    target = 1.1 * live
    x_mid = lw.channels / 2
    top = float(view.clip_lines[1].value())
    vp = view.plot.viewport()
    start = _viewport_point(view.plot, x_mid, top)
    qtbot.mousePress(vp, Qt.LeftButton, pos=start)
    for i in range(1, 13):   # in steps down to the target (the view rescales only after the release)
        qtbot.mouseMove(vp, _viewport_point(view.plot, x_mid, top + (target - top) * i / 12))
    qtbot.mouseRelease(vp, Qt.LeftButton, pos=_viewport_point(view.plot, x_mid, target))

    entry = plan.weight("block3_dw/kernel")
    assert entry.method == "user" and entry.granularity == "per-tensor"
    (ylo, yhi) = view.plot.getPlotItem().getViewBox().viewRange()[1]
    pixel = (yhi - ylo) / view.plot.getPlotItem().getViewBox().height()
    assert entry.clip[0] == pytest.approx(target, abs=3 * pixel) and entry.clip[0] < 0.05 * lw.abs_max[2]
    qtbot.waitUntil(lambda: view.highlighted_channels() == [], timeout=3000)      # no channel erased now
    assert "per-tensor clip ±" in view.caption.full_text() and "0 of" in view.caption.full_text()
    assert app.window.isWindowModified()

    dlg = app.open_action("export")              # Export… from the window: the engine gets the kernel entries
    assert dlg.values()["float_out"] == str(session_dir / "tiny_dead_float.tflite")     # proposed beside the session
    out = tmp_path / "ui_int8.tflite"
    dlg.set_value("out", str(out))
    dlg.set_value("weights", "per-channel")
    assert dlg.values()["float_out"] == str(tmp_path / "ui_float.tflite")             # the twin follows Output
    dlg.accept()
    wait_jobs(qtbot, app, timeout=180_000)
    assert not app.errors, close_errors(app)
    # the outputs are where the dialog said: the chosen folder; nothing in the working directory or beside
    # the session (but the session's lock file)
    assert out.is_file() and (tmp_path / "ui_float.tflite").is_file()
    assert list(cwd.iterdir()) == []
    assert {p.name for p in session_dir.iterdir()} - beside_session <= {"tiny_dead.qft.lock"}
    report = json.loads(out.with_suffix(".export.json").read_text())
    check = next(w for w in report["weight_checks"] if w["tensor"] == "block3_dw")
    assert check["ok"] and check["n_scales"] == 1                            # per tensor, though export said per-channel
    index = next(t["tflite_index"] for t in report["tensors"] if t["name"] == "block3_dw")
    from core.export.litert import load_interpreter, read_graph

    graph = read_graph(load_interpreter(str(out), preserve_all=True))
    kernel = graph.tensors[graph.producers()[index].inputs[1]]
    assert kernel.scales.tolist() == [np.float32(2) * np.float32(entry.clip[0]) / np.float32(254)]

    app.window.activateWindow()
    qtbot.waitUntil(app.window.isActiveWindow, timeout=3000)
    qtbot.keyClick(app.window, Qt.Key_Z, Qt.ControlModifier)
    assert plan.weight("block3_dw/kernel").state.is_default
    qtbot.waitUntil(lambda: len(view.highlighted_channels()) > lw.channels // 2, timeout=3000)
    assert not app.errors, close_errors(app)

    # a bare file name typed as Output means beside the session (where the dialog proposes), not the directory
    # qftune happened to be started from; a float twin the user typed stays as typed
    dlg = app.open_action("export")
    edit = dlg.widgets["out"].edit
    qtbot.mouseClick(edit, Qt.LeftButton)
    qtbot.keyClick(edit, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(edit, "again_int8.tflite")
    assert dlg.values()["out"] == str(session_dir / "again_int8.tflite")
    assert dlg.values()["float_out"] == str(session_dir / "again_float.tflite")
    dlg.set_value("float_out", str(tmp_path / "mine.tflite"))
    dlg.set_value("out", str(tmp_path / "other_int8.tflite"))
    assert dlg.values()["float_out"] == str(tmp_path / "mine.tflite")
    dlg.reject()
