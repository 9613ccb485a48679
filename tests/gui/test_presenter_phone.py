"""Issue 22 §3 item 5: the presenter's phone step with a phone connected. `qftune present --prepare --device
SERIAL` (in-process CLI) measures the step's three models on the loopback Pixel 2 through Debian's real adb
server; the window, stepped with clicker keys, shows those figures labelled with when and which phone,
and says live whether that phone is connected now."""

from __future__ import annotations

import json

import pytest
from phone_kit import FakePhone, adb, adb_port, plug, standin_tools  # noqa: F401  (fixtures)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from cli_kit import clean_error, run
from core.present import bundled_pair
from gui.presenter.window import PresenterWindow


def _text(slide, name: str) -> str:
    return slide.findChild(QLabel, name).text()


def test_device_options_are_checked_before_work(tmp_path):
    a, b = bundled_pair()
    clean_error(run("present", "--prepare", "--out", tmp_path / "x", "--benchmark-tool", tmp_path / "bm"),
                "--benchmark-tool needs --device")
    clean_error(run("present", "--prepare", "--out", tmp_path / "x", "--device", "emulator-5554"),
                "--device needs --benchmark-tool")
    assert not (tmp_path / "x").exists()


@pytest.mark.timeout(120)
def test_a_phone_that_is_not_there_is_named_before_preparing(adb_port, standin_tools, tmp_path):  # noqa: F811
    err = clean_error(run("present", "--prepare", "--out", tmp_path / "x", "--device", "127.0.0.1:9",
                          "--benchmark-tool", standin_tools["benchmark"]), "--device 127.0.0.1:9")
    assert "127.0.0.1:9" in err and "present [" not in err       # no progress: refused before any work
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_phone_step_shows_figures_measured_on_the_connected_phone(adb_port, standin_tools, qtbot,  # noqa: F811
                                                                   tmp_path):
    phone = plug(FakePhone(tmp_path / "phone"))
    out = tmp_path / "story"
    try:
        r = run("present", "--prepare", "--out", out, "--eval-images", 40, "--samples", 4,
                "--device", phone.serial, "--benchmark-tool", standin_tools["benchmark"],
                "--eval-tool", standin_tools["eval"], "--rounds", 2, "--runs", 3)
        assert r.returncode == 0, r.stderr
        story = json.loads((out / "story.json").read_text())
        step = story["steps"][-1]
        assert step["kind"] == "phone" and step["source"] == "device" and step["serial"] == phone.serial
        assert step["on"] == f"Pixel 2 ({phone.serial})" or step["on"].startswith("Pixel 2, Android")
        assert [row["label"] for row in step["rows"]] == ["mobilenet_v1_orig_fmnist float",
                                                          "mobilenet_v1_orig_fmnist int8 baseline",
                                                          "mobilenet_v1_qf_fmnist int8 greedy"]
        assert all(row["latency_ms"] > 0 for row in step["rows"])
        assert any(row["accuracy"] is not None for row in step["rows"])       # run_eval ran on the phone

        a, b = bundled_pair()
        win = PresenterWindow(a, b, out)
        qtbot.addWidget(win)
        win.resize(1280, 720)
        win.show()
        qtbot.waitExposed(win)
        for _ in range(len(story["steps"]) - 1):
            qtbot.keyClick(win, Qt.Key_PageDown)
        slide = win.current()
        assert slide.step["kind"] == "phone" and win.index == len(story["steps"]) - 1
        assert _text(slide, "title") == "On the phone"
        assert _text(slide, "source") == f"ON THE PHONE: {step['on']}, measured {step['when']}"
        assert "HOST" not in _text(slide, "source") and phone.serial in _text(slide, "sentence")
        for i, row in enumerate(step["rows"]):
            assert _text(slide, f"latency_{i}") == f"{row['latency_ms']:.2f} ms"
        qtbot.waitUntil(lambda: _text(slide, "connected").startswith("LIVE: Pixel 2"), timeout=10_000)
    finally:
        phone.kill()
        adb("disconnect", phone.serial)
    qtbot.keyClick(win, Qt.Key_PageUp)                 # the phone leaves; back on the step, the slide says so
    qtbot.keyClick(win, Qt.Key_PageDown)
    qtbot.waitUntil(lambda: "is not connected now" in _text(slide, "connected"), timeout=10_000)
    assert _text(slide, f"latency_{0}") == f"{step['rows'][0]['latency_ms']:.2f} ms"     # the figures stay
    qtbot.keyClick(win, Qt.Key_Escape)
