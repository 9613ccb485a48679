"""The CLI round trip: calibrate -> ranges -> set-range -> ranges -> reset-range -> encodings, in process."""

from __future__ import annotations

import json

import pytest

from core.cli import main


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, tiny_qf_v2):
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    tiny_qf_v2.save(path)
    return path


def ranges_json(session, capsys) -> dict:
    capsys.readouterr()
    assert main(["ranges", str(session), "--json"]) == 0
    return {r["name"]: r for r in json.loads(capsys.readouterr().out)}


def test_round_trip_from_the_command_line(model_file, tmp_path, capsys):
    s = tmp_path / "s.qft"
    assert main(["calibrate", str(model_file), "--data", "embedded", "--per-class", "1", "--limit", "6",
                 "--out", str(s)]) == 0
    out = capsys.readouterr()
    assert "6 images" in out.out and "calibrate [" in out.err          # summary and the progress bar
    rows = ranges_json(s, capsys)
    first = next(iter(rows.values()))
    for key in ("name", "min", "max", "scale", "zero_point", "method", "sqnr_db"):
        assert key in first
    assert first["op"] == "INPUT" and first["method"] == "minmax" and first["zero_point"] == -128
    name = next(n for n, r in rows.items() if r["op"] == "CONV_2D")

    assert main(["set-range", str(s), name, "-0.25", "1.5"]) == 0
    after = ranges_json(s, capsys)
    assert after[name]["method"] == "user" and after[name]["min"] <= 0 and abs(after[name]["max"] - 1.5) <= 1.75 / 255
    again = ranges_json(s, capsys)                                      # load/save is bit-exact
    assert again == after

    assert main(["set-range", str(s), name, "1", "1"]) == 2
    assert "must be below" in capsys.readouterr().err
    locked = next((n for n, r in rows.items() if r["locked"]), None)
    if locked:
        assert main(["set-range", str(s), locked, "0", "1"]) == 2
        assert "locked" in capsys.readouterr().err
    assert ranges_json(s, capsys) == after                              # refusals change nothing

    enc = tmp_path / "enc.json"
    assert main(["encodings", str(s), "--export", str(enc)]) == 0
    assert main(["reset-range", str(s), name, "--method", "minmax"]) == 0
    assert ranges_json(s, capsys)[name]["method"] == "minmax"
    assert main(["encodings", str(s), "--import", str(enc)]) == 0
    back = ranges_json(s, capsys)
    for n in after:
        assert (back[n]["min"], back[n]["max"], back[n]["scale"], back[n]["zero_point"]) == \
               (after[n]["min"], after[n]["max"], after[n]["scale"], after[n]["zero_point"]), n

    capsys.readouterr()
    assert main(["ranges", str(s)]) == 0
    table = capsys.readouterr().out
    assert "SQNR dB" in table and name in table


def test_bad_inputs_are_clear_errors(model_file, tmp_path, capsys):
    bad = tmp_path / "bad.qft"
    bad.write_text("not a session")
    assert main(["ranges", str(bad)]) == 2
    assert "bad.qft" in capsys.readouterr().err
    assert main(["calibrate", str(tmp_path / "nope.keras"), "--out", str(tmp_path / "x.qft")]) == 2
    assert "nope.keras" in capsys.readouterr().err
    assert not (tmp_path / "x.qft").exists()
