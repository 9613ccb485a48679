"""Qt fixtures for the GUI tests (offscreen).

- ``make_main_window``: a factory like napari's ``make_napari_viewer``; every window
  it makes is closed (without prompts) and deleted after the test;
- an autouse check that a test leaves no top-level widget behind;
- helpers the tests import (``wait_jobs``, ``close_errors``, ``StallMeter``) live in
  ``gui_kit.py`` beside this file, so any order of test paths collects;
- session-scoped calibrated sessions of tiny real models and one exported int8 .tflite (+ float twin),
  built once per run and shared by the xdist workers (``shared_kit.built_once``); the engine helper
  process (where UI jobs import TensorFlow) warms up in the background while they are built, and is
  shared by all tests of a worker.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from gui_kit import _flush_deletes, wait_jobs  # noqa: E402,F401
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from model_kit import data_init_bn  # noqa: E402
from shared_kit import built_once  # noqa: E402


def _counts_as_leak(w) -> bool:
    """Windows, dialogs and message boxes count; menus and combo-box popups do not
    (pyqtgraph creates a hidden, parentless context menu per plot that lives until
    Python's garbage collector frees the plot, which can be later than the test)."""
    from PySide6.QtWidgets import QComboBox, QMenu

    return not isinstance(w, QMenu) and not isinstance(w.parent(), QComboBox)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.gui_call_failed = report.failed
    return report


@pytest.fixture(autouse=True)
def no_leaked_widgets(qapp, request):
    """Fail a test that leaves a top-level widget alive (windows, dialogs, message boxes).

    Skipped when the test itself failed: its traceback keeps the widgets alive. One garbage collection after
    the test (the previous test's ended with one, so none before it); a second one, only when widgets are
    still alive after the first, before they count as leaked (a freed widget can post further deletions)."""
    _flush_deletes(collect=False)
    before = {id(w) for w in QApplication.topLevelWidgets()}
    yield
    if getattr(request.node, "gui_call_failed", False):
        _flush_deletes()
        return

    def leaked_widgets():
        _flush_deletes()
        return [w for w in QApplication.topLevelWidgets() if id(w) not in before and _counts_as_leak(w)]

    leaked = leaked_widgets() and leaked_widgets()
    if leaked:
        names = ", ".join(f"{type(w).__name__}({w.objectName() or w.windowTitle()!r})" for w in leaked)
        for w in leaked:
            w.close()
            w.deleteLater()
        _flush_deletes()
        pytest.fail(f"top-level widgets leaked by this test: {names}")


@pytest.fixture(scope="session", autouse=True)
def engine_helper_stops_with_the_session():
    """The engine helper process is shared by all tests; stop it when the session ends, before
    interpreter shutdown, rather than leave it to the atexit stop (a helper still running then
    would be an orphan holding a TF import and our stdout)."""
    yield
    from gui import engine_process

    engine_process.stop()


@pytest.fixture
def make_main_window(qtbot, tmp_path):
    """``make_main_window(target=None, open=True, wait=True, profile=None, live=False)`` -> the QftuneApp
    (``app.window`` is shown).

    ``live=False`` (the default here; users always have it on): the live panel builds no live set, so a
    test not about the live figures does not pay the engine's simulated-int8 build after every open.

    Settings and the recovery folder live in the test's tmp_path. ``target`` is opened
    as ``qftune gui TARGET`` would (``None``: the bundled default session)."""
    from gui.app import QftuneApp

    apps = []

    def make(target: str | None = None, open: bool = True, wait: bool = True, profile: str | None = None,
             live: bool = False):
        """``profile``: apps made with the same name share settings and recovery folder
        (a restart of the same user's app)."""
        key = profile if profile is not None else str(len(apps))
        settings = QSettings(str(tmp_path / f"settings{key}.ini"), QSettings.IniFormat)
        app = QftuneApp(settings=settings, recovery_dir=str(tmp_path / f"recovery{key}"))
        apps.append(app)
        app.window.live_panel.live.enabled = live
        app.window.show()
        qtbot.waitExposed(app.window)
        if open:
            app.open(target)
            if wait:
                wait_jobs(qtbot, app)
        return app

    yield make
    for app in apps:
        app.runner.shutdown()
        app.weights.shutdown()
        for box in list(app.errors):
            box.close()
        if app.compare_window is not None:
            app.compare_window.close()
        if app.dialog is not None:
            app.dialog.close()
        app.window.force_close()
        app.window.deleteLater()
        app.deleteLater()
    apps.clear()
    _flush_deletes(collect=False)        # no_leaked_widgets collects right after this teardown


# ---- real models and sessions, built once per test run ------------------------------------------------

def _build_gui_models(d: Path) -> None:
    import keras

    from core.models import QFConfig, build

    keras.utils.set_random_seed(0)
    data_init_bn(build("mobilenet-v2", width=0.35, qf=QFConfig.full())).save(d / "tiny_qf_v2.keras")
    inp = keras.Input((28, 28, 1), name="image")
    a = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv_a")(inp)
    b = keras.layers.Conv2D(4, 3, padding="same", name="block_1_expanded_conv_depthwise_b")(inp)  # keras.applications-long
    cat = keras.layers.Concatenate(name="concat")([a, b])
    pool = keras.layers.MaxPooling2D(2, name="pool")(cat)
    c = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu", name="conv_c")(pool)
    flat = keras.layers.GlobalAveragePooling2D(name="gap")(c)
    logits = keras.layers.Dense(10, name="logits")(flat)
    out = keras.layers.Softmax(name="softmax")(logits)
    keras.Model(inp, out, name="tied").save(d / "tied.keras")


@pytest.fixture(scope="session")
def gui_models(tmp_path_factory):
    """Tiny real Keras models saved to disk: a QF MobileNetV2 and a model with tied/locked tensors
    (built once per run, shared by the xdist workers: ``shared_kit.built_once``)."""
    from gui import engine_process

    engine_process.warm_up_in_background()      # TF imports in the helper while we build here
    d = built_once(tmp_path_factory, "gui_models", _build_gui_models)
    return {"qf": d / "tiny_qf_v2.keras", "tied": d / "tied.keras"}


@pytest.fixture(scope="session")
def gui_sessions(tmp_path_factory, gui_models):
    """Calibrated sessions (.qft) of the models above on the embedded data (1 image per class)."""

    def build_sessions(d: Path) -> None:
        from core.calibrate import calibrate

        for key, model in gui_models.items():
            calibrate(str(model), "embedded", per_class=1).save(d / f"{key}.qft")

    d = built_once(tmp_path_factory, "gui_sessions", build_sessions)
    return {key: d / f"{key}.qft" for key in gui_models}


@pytest.fixture(scope="session")
def qf_tflite(tmp_path_factory, gui_models, gui_sessions):
    """The int8 .tflite of the tiny QF session's greedy plan (for Evaluate and Compare), exported as Export
    writes it: with its float twin beside it (``qf_float_twin``), so the plan is converted once per run."""

    def export(d: Path) -> None:
        from core.export import export_int8
        from core.models.loading import load_model
        from core.session import Session

        plan = Session.load(gui_sessions["qf"]).plan
        out = d / "tiny_qf_int8.tflite"
        export_int8(load_model(str(gui_models["qf"])), list(plan.tensors), plan.ranges(), out,
                    float_out=out.with_name("tiny_qf_float.tflite"), source=str(gui_models["qf"]))

    return built_once(tmp_path_factory, "gui_tflite", export) / "tiny_qf_int8.tflite"


@pytest.fixture(scope="session")
def qf_float_twin(qf_tflite):
    """The float .tflite written beside ``qf_tflite`` by the same export."""
    return qf_tflite.with_name("tiny_qf_float.tflite")


@pytest.fixture
def session_copy(gui_sessions, tmp_path):
    """A fresh copy of a session file, safe to save over."""
    import shutil

    def copy(key: str = "qf") -> Path:
        dst = tmp_path / f"{key}.qft"
        shutil.copy(gui_sessions[key], dst)
        return dst

    return copy
