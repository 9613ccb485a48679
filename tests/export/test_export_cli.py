"""The CLI wiring through a saved session: export, compare, sensitivity."""

import json

import pytest


def test_cli_export_compare_sensitivity(qf_session, tmp_path, capsys):
    from core.cli import main

    out = tmp_path / "m_int8.tflite"
    assert main(["export", qf_session.path, "--out", str(out), "--weights", "per-tensor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["weights"] == "per-tensor" and report["verification"]["ok"]
    assert out.exists() and (tmp_path / "m_int8.export.json").exists()
    plan = qf_session.plan
    stored = {t["name"]: (t["stored_scale"], t["stored_zero_point"]) for t in report["tensors"]}
    for e in plan:
        assert stored[e.name][0] == pytest.approx(e.scale, rel=1e-6) and stored[e.name][1] == e.zero_point

    assert main(["compare", qf_session.path, str(out), "-k", "2", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["tensors"]
    assert len(rows) == len(plan)

    assert main(["sensitivity", qf_session.path, "--limit", "20", "--json"]) == 0
    sens = json.loads(capsys.readouterr().out)
    assert sens["n_images"] == 20 and len(sens["tensors"]) == sum(1 for t in plan.tensors if not t.locked)
    assert sens["seconds"] > 0


def test_plan_of_another_model_is_refused(qf_session, orig_model, tmp_path):
    from core.export import export_int8

    plan = qf_session.plan
    with pytest.raises(ValueError, match="does not belong to this model"):
        export_int8(orig_model, plan.tensors, plan.ranges(), tmp_path / "x.tflite")
    assert not (tmp_path / "x.tflite").exists()


def test_cli_export_of_a_missing_session_is_named(tmp_path, capsys):
    from core.cli import main

    assert main(["export", str(tmp_path / "none.qft"), "--out", str(tmp_path / "o.tflite")]) == 2
    assert "none.qft" in capsys.readouterr().err
