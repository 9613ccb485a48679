"""Issue 22 §1: the right data for every model — the job dialogs default to the data the session was
calibrated on (its evaluation split), and a model opened is asked for its calibration data, the
embedded set proposed only when it fits (size, channels, classes); data that does not fit is refused."""

from __future__ import annotations

import pytest
from gui_helpers import click_menu, click_run
from gui_kit import close_errors, wait_jobs
from PySide6.QtCore import Qt


def _with_data(path, spec):
    from core.session import Session

    s = Session.load(path)
    s.calibration["data"] = spec
    s.save(path, force=True)
    return path


@pytest.mark.parametrize("spec, expected", [("folder:/data/flowers", "folder:/data/flowers"),
                                            ("imagenet:/data/ILSVRC2012:train", "imagenet:/data/ILSVRC2012:val")])
def test_evaluate_compare_and_sensitivity_default_to_the_sessions_own_data(make_main_window, session_copy, qtbot,
                                                                            spec, expected):
    app = make_main_window(str(_with_data(session_copy("qf"), spec)))
    for entry in ("E&valuate…", "C&ompare…", "&Sensitivity…"):
        click_menu(qtbot, app.window, "&Jobs", entry)
        dlg = app.dialog
        assert dlg is not None and dlg.values()["data"] == expected, entry
        dlg.close()
        qtbot.waitUntil(lambda: app.dialog is None, timeout=3000)


def test_a_session_calibrated_on_the_embedded_set_is_evaluated_on_its_eval_split(make_main_window, gui_sessions,
                                                                                  qtbot):
    app = make_main_window(str(gui_sessions["qf"]))
    click_menu(qtbot, app.window, "&Jobs", "E&valuate…")
    assert app.dialog.values()["data"] == "embedded:eval"
    app.dialog.close()


@pytest.fixture(scope="module")
def model_224(tmp_path_factory):
    """A keras.applications-shaped classifier: 224-px RGB in, 1,000 classes out (tiny in weights)."""
    import keras

    inp = keras.Input((224, 224, 3), name="image")
    x = keras.layers.Conv2D(4, 3, strides=8, padding="same", activation="relu", name="conv")(inp)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    out = keras.layers.Dense(1000, activation="softmax", name="predictions")(x)
    path = tmp_path_factory.mktemp("m224") / "imagenet_like.keras"
    keras.Model(inp, out, name="imagenet_like").save(path)
    return path


def test_a_model_the_embedded_set_does_not_fit_is_asked_for_data_and_embedded_is_refused(make_main_window,
                                                                                          gui_sessions, model_224,
                                                                                          qtbot):
    app = make_main_window(str(gui_sessions["qf"]))
    before = app.state.session
    app.open(str(model_224))                      # what File > Open Model and `qftune gui MODEL` do
    qtbot.waitUntil(lambda: app.dialog is not None, timeout=120_000)
    dlg = app.dialog
    assert dlg.objectName() == "CalibrateDialog"
    assert dlg.values()["model"] == str(model_224) and dlg.values()["data"] == ""       # nothing proposed
    reason = dlg.error.text()
    assert dlg.error.isVisible() and "224x224" in reason and "28x28" in reason and "imagenet:PATH" in reason
    assert app.state.session is before and not app.runner.busy                       # nothing calibrates

    click_run(qtbot, dlg)                                                            # Run with no data: refused
    assert dlg.isVisible() and "choose the calibration data" in dlg.error.text()
    edit = dlg.widgets["data"]
    qtbot.mouseClick(edit, Qt.LeftButton)
    qtbot.keyClicks(edit, "embedded")
    click_run(qtbot, dlg)                                                            # typed anyway: refused
    wait_jobs(qtbot, app)
    texts = close_errors(app)
    assert len(texts) == 1 and "224x224" in texts[0] and "28x28" in texts[0], texts
    assert app.state.session is before


def test_a_model_the_embedded_set_fits_gets_it_proposed(make_main_window, gui_sessions, gui_models, qtbot):
    app = make_main_window(str(gui_sessions["tied"]))
    app.open(str(gui_models["qf"]))
    qtbot.waitUntil(lambda: app.dialog is not None, timeout=120_000)
    dlg = app.dialog
    assert dlg.values()["data"] == "embedded" and not dlg.error.isVisible()
    dlg.set_value("per_class", 1)
    click_run(qtbot, dlg)
    wait_jobs(qtbot, app)
    assert not app.errors, close_errors(app)
    assert app.state.session.model_path == str(gui_models["qf"])
    assert app.state.session.calibration["data"] == "embedded"
