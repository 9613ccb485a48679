"""Issue 20 §4: ``compare S.qft M_float.tflite`` measured the float twin as if it were the int8 model (120-145 dB).
compare takes only an int8 export of the session; and the one export-report module (issue 19) reads a report
written by another qftune version (an extra key) instead of failing inside compare."""

from __future__ import annotations

import json
import shutil

import pytest

from cli_kit import clean_error, run


@pytest.fixture(scope="module")
def pair(exported_pc):
    """The session's per-channel int8 export and its float twin (the export conftest's: the plan is not
    converted a second time; ``export --out M_int8.tflite --float-out M_float.tflite`` writes the same)."""
    int8, _ = exported_pc
    return int8, int8.with_name("tiny_qf_float.tflite")


def test_compare_refuses_the_float_twin_named_by_the_export_report(qf_session, pair):
    int8, flt = pair
    err = clean_error(run("compare", qf_session.path, flt, "-k", "2"), flt.name, "float32 twin", int8.name)
    assert "dB" not in err


def test_compare_refuses_a_float_model_without_a_report(qf_session, pair, tmp_path):
    lone = tmp_path / "lone.tflite"
    shutil.copy(pair[1], lone)
    out = run("compare", qf_session.path, lone, "-k", "2")
    clean_error(out, "lone.tflite", "not an int8 model", "float32")
    assert "SQNR" not in out.stdout


def test_compare_reads_a_report_with_a_key_it_does_not_know(qf_session, pair, tmp_path):
    int8 = pair[0]
    for src in (int8, int8.with_name(int8.stem + ".export.json")):
        shutil.copy(src, tmp_path / src.name)
    rp = tmp_path / (int8.stem + ".export.json")
    rp.write_text(json.dumps({**json.loads(rp.read_text()), "written_by": "a newer qftune"}))
    out = run("compare", qf_session.path, tmp_path / int8.name, "-k", "2", "--json")
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)["tensors"]) > 0
