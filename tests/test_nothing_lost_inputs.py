"""Issue 10, silently wrong and unclear: every bad input named at the CLI, before any work."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import pytest

from nothing_lost_kit import ROOT, clean_error, env, qftune, ranges, workspace


@pytest.mark.parametrize("args, option, allowed", [
    (["calibrate", "M.keras", "--out", "S.qft", "--batch-size", "-1"], "--batch-size", "from 1 to 4,096"),
    (["calibrate", "M.keras", "--out", "S.qft", "--batch-size", "0"], "--batch-size", "from 1 to 4,096"),
    (["calibrate", "M.keras", "--out", "S.qft", "--bins", "100000000"], "--bins", "from 8 to 65,536"),
    (["calibrate", "M.keras", "--out", "S.qft", "--per-class", "0"], "--per-class", ">= 1"),
    (["calibrate", "M.keras", "--out", "S.qft", "--limit", "-3"], "--limit", ">= 1"),
    (["calibrate", "M.keras", "--out", "S.qft", "--gamma", "nan"], "--gamma", "finite number > 0"),
    (["sensitivity", "S.qft", "--limit", "0"], "--limit", ">= 1"),
    (["evaluate", "M.tflite", "--threads", "0"], "--threads", "from 1 to 256"),
    (["evaluate", "M.tflite", "--limit", "abc"], "--limit", ">= 1"),
    (["compare", "S.qft", "M.tflite", "-k", "0"], "-k/--images", "from 1 to 100,000"),
    (["deploy", "M.tflite", "--benchmark-tool", "bm", "--rounds", "0"], "--rounds", "from 1 to 1,000"),
    (["deploy", "M.tflite", "--benchmark-tool", "bm", "--pin", "xyz"], "--pin", "hexadecimal"),
])
def test_numeric_options_are_checked_at_parse_time_naming_option_and_range(args, option, allowed, capsys):
    from core.cli import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err and allowed in err, err


def test_bins_limit_is_stated_in_help(capsys):
    from core.cli import main

    with pytest.raises(SystemExit):
        main(["calibrate", "--help"])
    assert "65,536" in capsys.readouterr().out


def test_set_range_takes_negative_numbers_and_refuses_ranges_float32_cannot_hold(tmp_path):
    session, _ = workspace(tmp_path)
    ok = qftune("set-range", session, "stem", "-1e30", "1e30")          # no "--" needed
    assert ok.returncode == 0, ok.stderr
    assert ranges(session)["stem"]["method"] == "user"
    before = session.read_bytes()
    for lo, hi in (("-1e38", "3e38"), ("-3.3e38", "3.3e38"), ("0", "1e39")):
        err = clean_error(qftune("set-range", session, "stem", lo, hi), "stem", "too wide")
        assert "RuntimeWarning" not in err and "NaN" not in err
    assert session.read_bytes() == before


def test_set_range_refuses_a_range_the_converter_would_widen(tmp_path):
    session, _ = workspace(tmp_path)
    before = session.read_bytes()
    clean_error(qftune("set-range", session, "stem", "0", "1e-7"), "too narrow", "1e-06")
    assert session.read_bytes() == before
    assert qftune("set-range", session, "stem", "0", "2e-6").returncode == 0


def _edit_session_json(path, edit):
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    doc = json.loads(files["session.json"])
    edit(doc)
    files["session.json"] = json.dumps(doc).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in files.items():
            z.writestr(n, b)
    path.write_bytes(buf.getvalue())


@pytest.mark.parametrize("key, value", [("scale", -1), ("zero_point", 1000), ("scale", 0.5), ("zero_point", 3.5),
                                        ("min", 0.5), ("max", "big")])
def test_a_hand_edited_scale_or_zero_point_is_refused_on_load(tmp_path, key, value):
    session, _ = workspace(tmp_path)

    def edit(doc):
        row = next(r for r in doc["plan"]["entries"] if r["name"] == "stem")
        row[key] = value

    _edit_session_json(session, edit)
    err = clean_error(qftune("ranges", session), "s.qft", "stem")
    assert key in err or "range" in err


def test_a_hand_edited_locked_tensor_is_refused(tmp_path):
    session, _ = workspace(tmp_path)

    def edit(doc):
        row = next(r for r in doc["plan"]["entries"] if r["name"] == "softmax")
        row["zero_point"] = 0

    _edit_session_json(session, edit)
    clean_error(qftune("ranges", session), "softmax", "zero point 0 do not match")


@pytest.mark.parametrize("enc, needle", [
    ({"bitwidth": 8, "min": True, "max": 1.0}, "min True is a bool, not a number"),
    ({"bitwidth": 8, "scale": 1e-12, "offset": -128}, "scale 1e-12 is not usable"),
    ({"bitwidth": 8, "min": 0.0, "max": 1e-9}, "too narrow"),
    ({"bitwidth": "8", "min": 0.0, "max": 1.0}, "bitwidth '8' is a str, not a JSON integer"),
    ({"bitwidth": 8, "min": -1e38, "max": 3e38}, "too wide"),
    (None, "max (401 digits) is too large"),
])
def test_bad_aimet_encodings_are_clear_errors(tmp_path, enc, needle):
    session, _ = workspace(tmp_path)
    path = tmp_path / "enc.json"
    if enc is None:     # "max": 1 followed by 400 zeros, as written in the file
        path.write_text('{"version": "0.6.1", "activation_encodings": {"stem": [{"bitwidth": 8, "min": 0, "max": 1'
                        + "0" * 400 + '}]}, "param_encodings": {}}')
    else:
        path.write_text(json.dumps({"version": "0.6.1", "activation_encodings": {"stem": [enc]}}))
    before = session.read_bytes()
    clean_error(qftune("encodings", session, "--import", path), "enc.json", "stem", needle)
    assert session.read_bytes() == before


def test_a_bad_adb_port_variable_breaks_no_command_and_is_named_by_device_commands():
    for args in (["--help"], ["ranges", "--help"], ["deploy", "--help"]):
        out = qftune(*args, ANDROID_ADB_SERVER_PORT="abc")
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    clean_error(qftune("devices", ANDROID_ADB_SERVER_PORT="abc"), "ANDROID_ADB_SERVER_PORT='abc' is not a port number")


def test_ranges_into_a_closed_pipe_exits_quietly():
    session = ROOT / "resources" / "sessions" / "mobilenet_v2_qf_fmnist.qft"
    for args in (["ranges", str(session)], ["ranges", str(session), "--json"]):
        p = subprocess.Popen([sys.executable, "-m", "core.cli", *args], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env(), cwd=ROOT)
        p.stdout.close()                     # the reader is gone before qftune writes (`| head` after its lines)
        err = p.stderr.read().decode()
        rc = p.wait(timeout=60)
        assert "Broken pipe" not in err and "Traceback" not in err and "Exception ignored" not in err, err
        assert rc == 141                     # 128 + SIGPIPE, as a shell reports for a Unix tool
