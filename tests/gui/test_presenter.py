"""Presenter mode (issue 22 §3): `qftune present --prepare` on the bundled MobileNetV1 pair, then the full-screen
story stepped with the keys a presentation clicker sends, at 1280x720 and 1920x1080; every step's figures
are read back from the window and compared with the prepared cache."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from cli_kit import clean_error, run
from core.present import bundled_pair
from gui.presenter.window import PresenterWindow

NEXT_KEYS = [Qt.Key_PageDown, Qt.Key_Right, Qt.Key_Space, Qt.Key_Down]
EVAL_IMAGES = 100
SAMPLES = 8


@pytest.fixture(scope="session")
def prepared(tmp_path_factory):
    """The cache of the bundled pair on the first 100 embedded evaluation images, through the CLI."""
    out = tmp_path_factory.mktemp("present") / "story"
    r = run("present", "--prepare", "--out", out, "--eval-images", EVAL_IMAGES, "--samples", SAMPLES)
    assert r.returncode == 0, r.stderr
    assert "presenter cache:" in r.stdout and "present [" in r.stderr      # the progress bar
    story = json.loads((out / "story.json").read_text())
    return out, story


def _text(slide, name: str) -> str:
    return slide.findChild(QLabel, name).text()


def _pct(x) -> str:
    return f"{x * 100:.2f} %"


def _check_step(win, slide, step, folder, height):
    assert _text(slide, "title") == step["title"]
    assert _text(slide, "sentence") == step["sentence"]
    kind = step["kind"]
    if kind in ("float", "int8"):
        assert _text(slide, "accuracy") == _pct(step["accuracy"])
        assert len(slide.thumbs) == len(step["samples"])
        for img, cap, s in zip(slide.thumbs, slide.captions, step["samples"], strict=True):
            assert (folder / s["image"]).is_file()
            assert img.pixmap().height() == int(height * 0.17)       # scaled to the screen, not 28 px
            assert cap.text() == (s["int8"] if kind == "int8" else s["float"])
        if kind == "int8":
            assert _text(slide, "changed") == f"{step['changed']:,} predictions change"
            assert step["changed"] > 0, "per-tensor int8 changes predictions of the original MobileNetV1"
            assert any(s["flipped"] for s in step["samples"]), "the int8 step shows at least one flip"
    elif kind == "cause":
        arrays = np.load(folder / "weights.npz")
        assert np.array_equal(slide.chart.abs_max, arrays["abs_max"])
        assert np.array_equal(slide.chart.erased, arrays["collapsed"])
        assert int(arrays["collapsed"].sum()) == step["erased"] >= 1       # block0_dw erases a channel
        assert _text(slide, "erased") == f"{step['erased']} of {step['channels']} channels erased"
    elif kind == "fix":
        assert _text(slide, "accuracy") == _pct(step["accuracy"])
        assert slide.chart.rows == step["bars"] and step["bars"][-1]["accuracy"] == step["accuracy"]
    else:
        assert step["source"] == "host" and _text(slide, "source").startswith("HOST, NOT A PHONE")
        for i, row in enumerate(step["rows"]):
            assert _text(slide, f"latency_{i}") == f"{row['latency_ms']:.2f} ms"
            assert _text(slide, f"accuracy_{i}") == _pct(row["accuracy"])
    # readable from the back of the room: title >= 1/15, text >= 1/31 of the screen height
    assert slide.title.font().pixelSize() >= height / 15
    assert slide.sentence.font().pixelSize() >= height / 25
    for lab in slide.findChildren(QLabel):
        if lab.text():
            assert lab.font().pixelSize() >= height / 31, lab.objectName()
        if lab.isVisible() and lab.text() and not lab.wordWrap():      # nothing cut off
            assert lab.width() >= lab.minimumSizeHint().width(), (lab.objectName(), lab.text())
        if lab.isVisible() and lab.wordWrap():
            assert lab.height() >= lab.heightForWidth(lab.width()), (lab.objectName(), lab.text())


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["720p", "1080p"])
def test_story_steps_with_clicker_keys(qtbot, prepared, size):
    folder, story = prepared
    a, b = bundled_pair()
    win = PresenterWindow(a, b, folder)
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    assert [s.step["kind"] for s in win.slides] == ["float", "int8", "cause", "fix", "fix", "fix", "fix", "phone"]
    assert [s["fix"] for s in story["steps"] if s["kind"] == "fix"] == [
        "per-channel weights", "CLE", "QF architecture", "greedy ranges"]
    for i, step in enumerate(story["steps"]):
        assert win.index == i and win.counter.text() == f"{i + 1} / {len(story['steps'])}"
        assert (win.width(), win.height()) == size                 # no slide forces a larger window
        _check_step(win, win.current(), step, folder, size[1])
        qtbot.keyClick(win, NEXT_KEYS[i % len(NEXT_KEYS)])
    assert win.index == len(story["steps"]) - 1                    # the last step stays
    qtbot.keyClick(win, Qt.Key_PageUp)
    qtbot.keyClick(win, Qt.Key_Left)
    assert win.index == len(story["steps"]) - 3
    qtbot.keyClick(win, Qt.Key_Escape)
    assert not win.isVisible()


def test_no_cache_says_how_to_prepare(qtbot, tmp_path, prepared):
    a, b = bundled_pair()
    win = PresenterWindow(a, b, tmp_path / "none")
    qtbot.addWidget(win)
    assert len(win.slides) == 1
    text = _text(win.current(), "sentence")
    assert "qftune present --prepare" in text and f"--out {tmp_path / 'none'}" in text
    # a cache prepared for other sessions is not shown as theirs
    folder, _story = prepared
    other = tmp_path / "other.qft"
    shutil.copy(b, other)
    with open(other, "ab") as f:
        f.write(b"\0")
    win2 = PresenterWindow(a, other, folder)
    qtbot.addWidget(win2)
    assert "was prepared for" in _text(win2.current(), "sentence")


def test_cli_refuses_bad_input_before_work(tmp_path):
    a, b = bundled_pair()
    clean_error(run("present", "--prepare", a), "give two sessions")
    clean_error(run("present", "--prepare", a, b, "--samples", "0", "--out", tmp_path / "x"), "--samples")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    clean_error(run("present", "--prepare", a, b, "--out", foreign), "did not write")
    assert (foreign / "notes.txt").read_text() == "mine"
    clean_error(run("present", a, b, "--out", tmp_path / "missing"), "qftune present --prepare")


def test_view_menu_opens_presenter_with_f5(qtbot, make_main_window):
    from PySide6.QtGui import QAction

    win = make_main_window().window
    action = win.findChild(QAction, "presenterAction")
    assert action.text() == "&Presenter" and action.shortcut().toString() == "F5"
    assert action in win.menuBar().actions()[-1].menu().actions() or any(
        action in m.menu().actions() for m in win.menuBar().actions() if m.text() == "&View")
    win.raise_()
    win.activateWindow()
    if QApplication.activeWindow() is not win:      # offscreen: no window manager hands focus back
        QApplication.setActiveWindow(win)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    qtbot.keyClick(win, Qt.Key_F5)
    pres = win.presenter
    assert pres.isVisible() and pres.windowState() & Qt.WindowFullScreen
    assert pres.geometry() == win.screen().geometry()         # the whole screen, with or without a window manager
    if QApplication.activeWindow() is not pres:      # offscreen: what the window manager does for a new window
        QApplication.setActiveWindow(pres)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is pres)
    assert win.presenter.current().step["kind"] == "float"      # the bundled story, prepared in the repo
    qtbot.keyClick(pres, Qt.Key_PageDown)
    assert pres.current().step["kind"] == "int8"
    qtbot.keyClick(pres, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not pres.isVisible())


def test_window_prepares_the_missing_cache_off_the_ui_thread_and_cancels(qtbot, tmp_path):
    a, b = bundled_pair()
    out = tmp_path / "story"
    win = PresenterWindow(a, b, out)
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    slide = win.current()
    assert "Enter: prepare it now" in slide.action.text()
    qtbot.keyClick(win, Qt.Key_Return)
    assert win.job is not None and slide.bar.isVisible()
    qtbot.keyClick(win, Qt.Key_PageDown)               # the UI answers while the engine works
    qtbot.waitUntil(lambda: slide.action.text().startswith("Preparing: ") and "starting" not in slide.action.text(),
                    timeout=120_000)                   # a step of the engine's progress arrived
    qtbot.keyClick(win, Qt.Key_Escape)                 # cancels the job, does not leave
    qtbot.waitUntil(lambda: win.job is None, timeout=120_000)
    assert win.isVisible() and slide.action.text().startswith("Cancelled: nothing was written")
    assert not out.exists() and not list(tmp_path.glob(".present-*"))
