"""One workflow per user action: the CLI command and the GUI's engine job of the same action go
through the same core.workflows function, so they give the same result for the same session."""

import json

import pytest

from core.progress import NULL_PROGRESS


def _gui_plan_values(session):
    """What the GUI's job dialogs send to the engine process for the open session (gui/dialogs/_snapshot.py,
    export_dialog.py, sensitivity_dialog.py)."""
    from core.models.convention import resolve_convention

    plan = session.plan
    return dict(model_path=session.model_path, tensors=list(plan.tensors), ranges=plan.ranges(),
                convention=resolve_convention(session=session).to_dict())


def test_cli_export_and_the_gui_export_job_write_the_same_bias_corrected_model(qf_session, tmp_path, capsys):
    from core.cli import main
    from gui import engine_jobs

    cli_out, gui_out = tmp_path / "cli" / "m_int8.tflite", tmp_path / "gui" / "m_int8.tflite"
    cli_out.parent.mkdir(), gui_out.parent.mkdir()
    assert main(["export", qf_session.path, "--out", str(cli_out), "--weights", "per-tensor",
                 "--bias-correction", "empirical", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    gui = engine_jobs.export(NULL_PROGRESS, out=str(gui_out), weights="per-tensor", bias_correction="empirical",
                             calibration=dict(qf_session.calibration), **_gui_plan_values(qf_session))
    assert cli["verification"]["ok"] and gui["verification"]["ok"]
    assert cli["bias_correction"] and cli["bias_correction"] == gui["bias_correction"]
    for key in ("weights", "tensors", "weight_checks", "ops", "input_convention", "model_sha256", "size_bytes"):
        assert cli[key] == gui[key], key
    assert cli_out.read_bytes() == gui_out.read_bytes()
    assert json.loads((tmp_path / "gui" / "m_int8.export.json").read_text())["input_convention"] == \
        cli["input_convention"]


def _as_printed(doc) -> dict:
    """``doc`` as ``--json`` prints it (non-finite numbers as null), read back."""
    from core.cli.json_output import dumps

    return json.loads(dumps(doc))


def test_the_gui_sensitivity_job_returns_what_qftune_sensitivity_json_prints(qf_session):
    from cli_kit import run
    from core.sensitivity import drops_of
    from gui import engine_jobs

    r = run("sensitivity", qf_session.path, "--limit", "20", "--weights", "per-channel", "--json")
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)
    gui = _as_printed(engine_jobs.sensitivity(NULL_PROGRESS, data="embedded:eval", limit=20, weights="per-channel",
                                              **_gui_plan_values(qf_session)))
    assert cli.pop("seconds") > 0 and gui.pop("seconds") > 0          # the only thing two runs may differ in
    assert gui == cli and cli["n_images"] == 20 and cli["tensors"]
    drops = drops_of(gui)                                              # what the Results panel and graph read
    assert list(drops) == [t["name"] for t in cli["tensors"]] and list(drops.values()) == sorted(drops.values(),
                                                                                                reverse=True)


def test_the_gui_compare_job_returns_what_qftune_compare_json_prints(qf_session, exported_pc):
    from cli_kit import run
    from core.compare import sqnr_of
    from gui import engine_jobs

    tflite, _report = exported_pc
    r = run("compare", qf_session.path, tflite, "-k", "3", "--json")
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)
    values = _gui_plan_values(qf_session)
    gui = _as_printed(engine_jobs.compare(NULL_PROGRESS, model_path=values["model_path"], tensors=values["tensors"],
                                          tflite=str(tflite), data="embedded:eval", images=3))
    assert gui == cli and cli["n_images"] == 3 and len(cli["tensors"]) == len(qf_session.plan.tensors)
    names = [t.name for t in qf_session.plan.tensors]
    in_plan_order = sqnr_of(gui, names)                                # the Results panel's bars
    assert list(in_plan_order) == names
    assert all(in_plan_order[t["name"]] == float(t["sqnr_db"]) for t in cli["tensors"])


def test_a_session_whose_model_is_gone_is_named_with_the_option_to_give_it(qf_session, tmp_path):
    import shutil

    from core.session import Session, SessionError
    from core.workflows.inputs import load_session

    model = tmp_path / "m.keras"
    shutil.copy(qf_session.model_path, model)
    Session.load(qf_session.path, model_path=str(model)).save(tmp_path / "s.qft")
    model.unlink()
    with pytest.raises(SessionError, match=r"s\.qft: the calibrated model .*m\.keras no longer exists.*\(--model PATH\)"):
        load_session(str(tmp_path / "s.qft"))
    assert load_session(str(tmp_path / "s.qft"), qf_session.model_path).model_path == qf_session.model_path


def test_the_gui_evaluate_job_returns_what_qftune_evaluate_json_prints_for_each_model(exported_pc):
    """Evaluate shows the int8 model beside its float one: two ``qftune evaluate --json`` documents."""
    from cli_kit import run
    from gui import engine_jobs

    int8, _report = exported_pc
    flt = int8.with_name("tiny_qf_float.tflite")
    gui = _as_printed(engine_jobs.evaluate(NULL_PROGRESS, model=str(int8), reference=str(flt),
                                           data="embedded:eval", limit=20, threads=1))
    assert set(gui) == {"float", "int8"}
    for side, path in (("int8", int8), ("float", flt)):
        r = run("evaluate", path, "--limit", "20", "--json")
        assert r.returncode == 0, r.stderr
        cli = json.loads(r.stdout)
        for doc in (cli, gui[side]):                                   # timings: the only thing two runs differ in
            assert doc.pop("latency_ms_median") > 0 and doc.pop("latency_ms_p90") > 0
        assert gui[side] == cli and cli["n_images"] == 20, side
