"""Issue 20 §4: clear answers where qftune used to abort, print NaN, stay silent or show a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_kit import ROOT, clean_error, process_env, run, run_process

BUNDLED = ROOT / "resources" / "sessions" / "mobilenet_v2_qf_fmnist.qft"


@pytest.fixture(scope="module")
def tiny_keras(tmp_path_factory, tiny_qf_v2):
    path = tmp_path_factory.mktemp("tiny") / "tiny.keras"
    tiny_qf_v2.save(path)
    return path


# ---- stdout closed -------------------------------------------------------------------------------
def test_a_command_started_with_stdout_closed_says_so_on_stderr():
    out = run_process("ranges", BUNDLED, close_stdout=True, timeout=120)
    err = clean_error(out, "standard output is closed")
    assert len(err.strip().splitlines()) == 1, err


# ---- evaluate --json: valid JSON, no NaN ----------------------------------------------------------
def test_evaluate_json_of_a_keras_model_is_valid_json_without_a_latency(tiny_keras):
    out = run("evaluate", tiny_keras, "--limit", "3", "--json")
    assert out.returncode == 0, out.stderr
    assert "NaN" not in out.stdout and "Infinity" not in out.stdout
    doc = json.loads(out.stdout, parse_constant=lambda c: pytest.fail(f"{c} in the JSON output"))
    assert doc["latency_ms_median"] is None and doc["latency_ms_p90"] is None    # LiteRT only
    assert doc["n_images"] == 3
    text = run("evaluate", tiny_keras, "--limit", "3")
    assert text.returncode == 0 and "nan" not in text.stdout.lower(), text.stdout
    assert "latency: not measured for a Keras model" in text.stdout


# ---- a held session lock --------------------------------------------------------------------------
HOLDER = """
import sys, time
from core.locking import file_lock
with file_lock(sys.argv[1]):
    print("HELD", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_writer_waiting_for_a_held_session_says_so_at_once_naming_the_holder(tmp_path):
    session = tmp_path / "s.qft"
    shutil.copy(BUNDLED, session)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(session), "3"], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT, env=process_env())
    try:
        assert holder.stdout.readline().strip() == "HELD"
        t0 = time.monotonic()
        out = run("set-range", session, "stem", "-1", "4")
        waited = time.monotonic() - t0
    finally:
        holder.wait(timeout=60)
    assert out.returncode == 0, out.stderr
    assert waited > 1.0                                  # it really waited for the holder
    line = next(x for x in out.stderr.splitlines() if "waiting up to" in x)
    assert f"pid {holder.pid}" in line and "s.qft" in line and "120 s" in line, line


# ---- no display ------------------------------------------------------------------------------------
def _dead_display() -> str:
    """A display number no X server answers on (not a fixed :77: a developer's Xvfb may sit there)."""
    n = next(n for n in range(77, 400)
             if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists())
    return f":{n}"


DEAD = _dead_display()


@pytest.mark.parametrize("args,env", [
    (("gui",), {"DISPLAY": None, "WAYLAND_DISPLAY": None, "QT_QPA_PLATFORM": None}),
    ((), {"DISPLAY": DEAD, "WAYLAND_DISPLAY": None, "QT_QPA_PLATFORM": None}),     # bare qftune
    (("gui",), {"QT_QPA_PLATFORM": "bogus"}),
    (("my_session.qft",), {"DISPLAY": None, "WAYLAND_DISPLAY": None, "QT_QPA_PLATFORM": None}),  # qftune S.qft
], ids=["display-unset", "display-dead", "platform-bogus", "qftune-session-file"])
def test_the_gui_without_a_usable_display_says_so_and_what_to_do(args, env):
    out = run_process(*args, env=env, timeout=120)
    err = clean_error(out, "make run", "qftune demo", "QT_QPA_PLATFORM=offscreen")     # not SIGABRT (134)
    assert "Reinstalling the application" not in err and len(err.strip().splitlines()) == 1, err
    if env.get("QT_QPA_PLATFORM") == "bogus":
        assert "QT_QPA_PLATFORM=bogus: no such Qt platform plugin" in err and "offscreen" in err
    elif env.get("DISPLAY") == DEAD:
        assert f"no X server answers on DISPLAY={DEAD}" in err
    else:
        assert "no display (DISPLAY and WAYLAND_DISPLAY are not set)" in err


def test_qftune_with_a_file_opens_it_in_the_gui_and_a_mistyped_command_is_still_refused():
    """``qftune S.qft`` is ``qftune gui S.qft`` (before: "invalid choice: 'S.qft'"); a word that names no
    command and no session or model file stays an error naming the commands."""
    from core.cli import implied_gui

    commands = {"gui", "calibrate", "export"}
    assert implied_gui(["s.qft"], commands) == ["gui", "s.qft"]
    assert implied_gui(["--verbose", "m.keras"], commands) == ["--verbose", "gui", "m.keras"]
    assert implied_gui(["calibrate", "m.keras"], commands) == ["calibrate", "m.keras"]
    out = run_process("calibrat", "m.keras", timeout=120)
    assert out.returncode == 2 and "invalid choice: 'calibrat'" in out.stderr, out.stderr


# ---- model cards ---------------------------------------------------------------------------------
@pytest.fixture
def carded(tmp_path, tiny_keras):
    """A copy of the tiny 1-channel model whose card M.json the test writes."""
    model = tmp_path / "m.keras"
    shutil.copy(tiny_keras, model)
    return model, tmp_path / "m.json"


@pytest.mark.parametrize("card", ["garbage{", "[1, 2]", "DIRECTORY"])
def test_a_card_that_is_not_a_json_object_is_ignored_with_a_warning_naming_it(carded, card):
    model, card_file = carded
    if card == "DIRECTORY":
        card_file.mkdir()
    else:
        card_file.write_text(card)
    out = run("evaluate", model, "--limit", "2")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    warning = next((x for x in out.stderr.splitlines() if "m.json" in x), "")
    assert warning.startswith("warning: ") and "ignored" in warning, out.stderr


@pytest.mark.parametrize("entry,needle", [
    ({"scale": [1, 1, 1, 1, 1], "offset": [0]}, "input_convention.scale: 5 values for a model whose input has 1 channel"),
    ({"scale": [0.1], "offset": [0, 0, 0]}, "input_convention.offset: 3 values for a model whose input has 1 channel"),
    ({"scale": ["a"], "offset": [0]}, "input_convention.scale: expected a number or a list of numbers"),
    ({"scale": [float("nan")], "offset": [0]}, "input_convention.scale: [NaN] is not finite"),
    ({"scale": [0], "offset": [0]}, "input_convention.scale: [0]: every scale must be positive"),
    ({"scale": [1]}, "input_convention.offset: missing"),
    ("pixel/255", "input_convention: expected an object with 'scale' and 'offset'"),
])
def test_a_bad_convention_in_a_card_is_refused_naming_the_file_and_the_key(carded, entry, needle):
    model, card_file = carded
    card_file.write_text(json.dumps({"input_convention": entry}))
    for args in (("evaluate", model, "--limit", "2"), ("calibrate", model, "--data", "embedded", "--limit", "10",
                                                       "--out", model.with_name("s.qft"))):
        clean_error(run(*args), f"{card_file}: {needle}")
    assert not model.with_name("s.qft").exists()


# ---- an unregistered custom layer ------------------------------------------------------------------
def test_a_model_with_an_unregistered_custom_layer_is_refused_naming_the_class(tmp_path):
    import keras

    class DoubleIt(keras.layers.Layer):          # a user's own layer, never registered with Keras
        def call(self, x):
            return x * 2.0

    inp = keras.Input((28, 28, 1))
    x = DoubleIt()(keras.layers.Conv2D(4, 3)(inp))
    out = keras.layers.Dense(10)(keras.layers.GlobalAveragePooling2D()(x))
    path = tmp_path / "custom.keras"
    keras.Model(inp, out).save(path)
    err = clean_error(run("evaluate", path, "--limit", "2"), str(path), "custom layer class DoubleIt",
                      "register_keras_serializable")
    assert "could not be deserialized" not in err


# ---- the bundled sessions record their input convention ------------------------------------------
@pytest.mark.parametrize("session", sorted((ROOT / "resources" / "sessions").glob("*.qft")), ids=lambda p: p.stem)
def test_every_bundled_session_records_its_input_convention(session):
    out = run("ranges", session, "--json")
    assert out.returncode == 0, out.stderr
    conv = next(r for r in json.loads(out.stdout) if r["op"] == "INPUT")["input_convention"]
    assert conv["source"] != "default" and "without a recorded convention" not in conv["name"], conv
    assert conv["scale"] == [1 / 255.0] and conv["offset"] == [0.0]        # the bundled models take pixel/255


# ---- deploy checks its local files before looking for a device ---------------------------------------
def _aarch64_elf(path):
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    path.write_bytes(ident + (3).to_bytes(2, "little") + (0xB7).to_bytes(2, "little") + bytes(44))
    return path


def test_deploy_names_a_bad_tool_or_model_before_looking_for_a_device(tmp_path):
    tool = _aarch64_elf(tmp_path / "benchmark_model")
    good = tmp_path / "m.tflite"
    good.write_bytes(bytes(4) + b"TFL3" + bytes(56))          # the identifier is what the check reads
    text, empty, garbage = tmp_path / "tool.txt", tmp_path / "empty_tool", tmp_path / "garbage.tflite"
    text.write_text("#!/bin/sh\necho hi\n")
    empty.write_bytes(b"")
    garbage.write_bytes(b"not a flatbuffer at all" * 4)
    for args, needles in (
            ((good, "--benchmark-tool", text), (str(text), "no ELF header")),
            ((good, "--benchmark-tool", empty), (str(empty), "the file is empty")),
            ((good, "--benchmark-tool", tool, "--eval-tool", text), (str(text), "no ELF header")),
            ((garbage, "--benchmark-tool", tool), (str(garbage), "not a .tflite model")),
            ((good, "--benchmark-tool", tool, "--eval-data", "foo:bar"), ("--eval-data foo:bar", "unknown dataset kind")),
            ((good, "--benchmark-tool", tool, "--eval-data", f"folder:{tmp_path / 'nope'}"), ("no such folder",))):
        err = clean_error(run("deploy", *args, "--serial", "emulator-9999"), *needles)
        assert "device" not in err.lower(), err
