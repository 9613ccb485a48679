"""Jobs > Evaluate… and Sensitivity… and the live panel take a class map, as ``--class-map`` does on the command
line: a folder whose class names are the user's own words is scored against the model's outputs in the model's order."""

from __future__ import annotations

import json

import numpy as np
import pytest
from gui_helpers import click_menu, click_run
from gui_kit import close_errors, wait_jobs
from PIL import Image

from cli_kit import run
from core.sensitivity import drops_of

# the bundled Fashion-MNIST model's outputs, in its order, in a user's words: sorted, they are another order
WORDS = ["tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]


def _user_folder(tmp_path, n: int = 40, classes=WORDS):
    from core.data import load_dataset

    ds = load_dataset("embedded:eval")
    picked = [i for i in range(len(ds)) if WORDS[int(ds.labels[i])] in classes][:n]
    for i in picked:
        path = tmp_path / "mine" / WORDS[int(ds.labels[i])] / f"{i:04d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(ds.images[i, :, :, 0]).save(path)
    (tmp_path / "labels.txt").write_text("\n".join(WORDS) + "\n")
    return f"folder:{tmp_path / 'mine'}", tmp_path / "labels.txt"


def _type(qtbot, edit, text: str):
    edit.clear()
    qtbot.keyClicks(edit, text)


@pytest.mark.timeout(300)
def test_evaluate_and_sensitivity_dialogs_score_a_folder_through_the_class_map(make_main_window, session_copy,
                                                                                tmp_path, qtbot):
    spec, labels = _user_folder(tmp_path)
    path = session_copy("qf")
    app = make_main_window(str(path))
    click_menu(qtbot, app.window, "&Jobs", "E&valuate…")
    dlg = app.dialog
    assert dlg.values()["class_map"] is None                     # empty: the folder's sorted names
    _type(qtbot, dlg.widgets["data"], spec)
    _type(qtbot, dlg.widgets["class_map"].edit, str(labels))
    click_run(qtbot, dlg)
    wait_jobs(qtbot, app)
    assert not app.errors, close_errors(app)
    shown = app.state.results["evaluate"]
    cli = run("evaluate", path, "--data", spec, "--class-map", labels, "--json")
    assert cli.returncode == 0, cli.stderr
    cli = json.loads(cli.stdout)
    assert shown["int8"]["class_index"] == cli["class_index"] == {w: WORDS.index(w) for w in cli["class_index"]}
    assert (shown["int8"]["top1"], shown["int8"]["n_images"]) == (cli["top1"], cli["n_images"]) and cli["n_images"] == 40
    float_cli = json.loads(run("evaluate", app.state.session.model_path, "--data", spec, "--class-map", labels,
                               "--json").stdout)
    assert shown["float"]["top1"] == float_cli["top1"] and shown["float"]["class_index"] == cli["class_index"]
    unmapped = json.loads(run("evaluate", path, "--data", spec, "--json").stdout)     # sorted words: other outputs
    assert unmapped["class_index"] == {w: sorted(WORDS).index(w) for w in cli["class_index"]} != cli["class_index"]

    click_menu(qtbot, app.window, "&Jobs", "&Sensitivity…")
    dlg = app.dialog
    _type(qtbot, dlg.widgets["data"], spec)
    _type(qtbot, dlg.widgets["class_map"].edit, str(labels))
    click_run(qtbot, dlg)
    wait_jobs(qtbot, app, timeout=240_000)
    assert not app.errors, close_errors(app)
    sens = app.state.results["sensitivity"]
    assert sens["n_images"] == 40 and abs(sens["float_top1"] - float_cli["top1"]) <= 1 / 40   # mapped, as above
    drops = drops_of(sens)
    assert len(drops) > len(app.state.plan.names) // 2 and np.isfinite(list(drops.values())).all()


@pytest.mark.timeout(300)
def test_the_live_panel_refuses_a_folder_of_five_classes_then_scores_it_through_a_typed_class_map(
        make_main_window, tmp_path, qtbot):
    """A session calibrated on the user's folder of 5 of the 10 classes: the live set is refused (5 classes,
    10 outputs) until the class map is typed into the panel; then it scores the held-out images in the model's
    order (the folders sorted are bag, boot, sandal, ...: outputs 0-4 would be T-shirt ... Coat, top-1 near 0)."""
    from PySide6.QtCore import Qt

    from cli_kit import ROOT
    from core.calibrate import calibrate

    spec, labels = _user_folder(tmp_path, classes=["trouser", "sandal", "sneaker", "bag", "boot"])
    # the bundled trained model, so that a right or wrong class order shows in top-1
    path = calibrate(str(ROOT / "resources/models/mobilenet_v2_qf_fmnist.keras"), spec, per_class=1).save(
        tmp_path / "mine.qft")
    app = make_main_window(open=False, live=True)
    panel = app.window.live_panel
    app.open(str(path))
    wait_jobs(qtbot, app)
    qtbot.waitUntil(lambda: panel.live.status == "refused", timeout=180_000)
    assert "5 classes" in panel.status.text() and "10 outputs" in panel.status.text()
    assert panel.ask.isVisible() and panel.class_map_edit.isVisible() and panel.shown is None

    _type(qtbot, panel.class_map_edit, str(tmp_path / "nowhere.txt"))      # the data field empty: the session's
    qtbot.keyClick(panel.class_map_edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: panel.live.status == "refused" and "nowhere.txt" in panel.status.text(), timeout=120_000)
    assert "no such file" in panel.status.text() and panel.ask.isVisible()

    _type(qtbot, panel.class_map_edit, str(labels))
    qtbot.keyClick(panel.class_map_edit, Qt.Key_Return)
    qtbot.waitUntil(lambda: not panel.greyed and panel.live.status == "ready", timeout=180_000)
    shown = panel.shown
    assert shown["n_images"] == 40 - 5 and spec in panel.source.text()     # the 5 calibration images left out
    assert "classes as in labels.txt" in panel.source.text()
    assert shown["float_top1"] > 0.5 and shown["top1"] > 0.5
    assert not panel.ask.isVisible()
    assert not app.errors, close_errors(app)
