"""Issue 20 §4: ``compare S.qft M_float.tflite`` measured the float twin as if it were the int8 model (120-145 dB).
compare takes only an int8 export of the session; and the one export-report module (issue 19) reads a report
written by another qftune version (an extra key) instead of failing inside compare."""

from __future__ import annotations

import json
import shutil

import pytest

from cli_kit import clean_error, run


@pytest.fixture(scope="module")
def pair(qf_session, tmp_path_factory):
    d = tmp_path_factory.mktemp("pair")
    ok = run("export", qf_session.path, "--out", d / "m_int8.tflite", "--float-out", d / "m_float.tflite")
    assert ok.returncode == 0, ok.stderr
    return d


def test_compare_refuses_the_float_twin_named_by_the_export_report(qf_session, pair):
    err = clean_error(run("compare", qf_session.path, pair / "m_float.tflite", "-k", "2"),
                      "m_float.tflite", "float32 twin", "m_int8.tflite")
    assert "dB" not in err


def test_compare_refuses_a_float_model_without_a_report(qf_session, pair, tmp_path):
    lone = tmp_path / "lone.tflite"
    shutil.copy(pair / "m_float.tflite", lone)
    out = run("compare", qf_session.path, lone, "-k", "2")
    clean_error(out, "lone.tflite", "not an int8 model", "float32")
    assert "SQNR" not in out.stdout


def test_compare_reads_a_report_with_a_key_it_does_not_know(qf_session, pair, tmp_path):
    for name in ("m_int8.tflite", "m_int8.export.json"):
        shutil.copy(pair / name, tmp_path / name)
    rp = tmp_path / "m_int8.export.json"
    rp.write_text(json.dumps({**json.loads(rp.read_text()), "written_by": "a newer qftune"}))
    out = run("compare", qf_session.path, tmp_path / "m_int8.tflite", "-k", "2", "--json")
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)["tensors"]) > 0
