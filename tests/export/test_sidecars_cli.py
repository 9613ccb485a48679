"""Issue 20 §2: every file a command writes, sidecars included, replaces an existing file of another kind
only with --force (README, "The command line"); the check runs before any work, so nothing is written."""

from __future__ import annotations

import json

from cli_kit import clean_error, run

AIMET = {"version": "0.6.1", "activation_encodings": {"stem": [{"bitwidth": 8, "min": -1.0, "max": 9.18}]},
         "param_encodings": {}}


def _aimet(path):
    path.write_text(json.dumps(AIMET))
    return path.read_bytes()


def test_export_refuses_an_export_json_that_is_aimet_encodings_and_replaces_it_with_force(qf_session, tmp_path):
    out = tmp_path / "X.tflite"
    keep = _aimet(tmp_path / "X.export.json")
    err = clean_error(run("export", qf_session.path, "--out", out), "X.export.json", "AIMET encodings", "--force")
    assert "already exists" in err
    assert (tmp_path / "X.export.json").read_bytes() == keep        # the user's file is intact
    assert not out.exists()                                          # nothing written: checked before any work
    ok = run("export", qf_session.path, "--out", out, "--force")
    assert ok.returncode == 0, ok.stderr
    report = json.loads((tmp_path / "X.export.json").read_text())
    assert report["path"] == str(out) and report["verification"]["ok"]
    again = run("export", qf_session.path, "--out", out)             # its own report: replaced without --force
    assert again.returncode == 0, again.stderr


def test_export_refuses_a_float_out_or_out_that_is_a_text_file(qf_session, tmp_path):
    notes = tmp_path / "notes.tflite"
    notes.write_text("my measurements, not a model\n")
    clean_error(run("export", qf_session.path, "--out", tmp_path / "m.tflite", "--float-out", notes),
                "--float-out", "notes.tflite", "not a .tflite model", "--force")
    assert notes.read_text() == "my measurements, not a model\n"
    assert not (tmp_path / "m.tflite").exists() and not (tmp_path / "m.export.json").exists()


def test_pretrained_refuses_a_json_that_is_not_a_model_card(tmp_path):
    card = tmp_path / "X.json"
    keep = _aimet(card)
    clean_error(run("pretrained", "mobilenet-v2", "--weights", "none", "--alpha", "0.35", "--size", "96",
                    "--classes", "10", "--out", tmp_path / "X.keras"),
                "the model card", "X.json", "AIMET encodings", "--force")
    assert card.read_bytes() == keep and not (tmp_path / "X.keras").exists()
    ok = run("pretrained", "mobilenet-v2", "--weights", "none", "--alpha", "0.35", "--size", "96",
             "--classes", "10", "--out", tmp_path / "X.keras", "--force")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(card.read_text())["architecture"] == "mobilenet-v2" and (tmp_path / "X.keras").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X.json", "X.keras"]      # no temporary file left


def test_equalize_refuses_sidecars_of_another_kind(qf_session, tmp_path):
    model = qf_session.model_path
    report = tmp_path / "M_eq.dfq.json"
    report.write_text(json.dumps({"model": "mine", "weights": "per-channel", "tensors": [], "sha256": "0"}))
    keep = report.read_bytes()
    clean_error(run("equalize", model, "--out", tmp_path / "M_eq.keras"),
                "the equalization report", "M_eq.dfq.json", "qftune export report", "--force")
    assert report.read_bytes() == keep and not (tmp_path / "M_eq.keras").exists()
    card = tmp_path / "N_eq.json"
    card.write_text("not json at all\n")
    clean_error(run("equalize", model, "--out", tmp_path / "N_eq.keras"), "the model card", "N_eq.json", "--force")
    assert card.read_text() == "not json at all\n"


def test_train_refuses_a_training_log_path_holding_another_file(tmp_path):
    log = tmp_path / "M.log.json"
    keep = _aimet(log)
    clean_error(run("train", "--out", tmp_path / "M.keras", "--epochs", "1", "--limit", "10"),
                "the training log", "M.log.json", "AIMET encodings", "--force")
    assert log.read_bytes() == keep and not (tmp_path / "M.keras").exists()


def test_encodings_export_refuses_to_replace_an_export_report(qf_session, tmp_path):
    target = tmp_path / "enc.json"
    target.write_text(json.dumps({"model": "m.keras", "weights": "per-tensor", "tensors": [], "sha256": "ab"}))
    keep = target.read_bytes()
    clean_error(run("encodings", qf_session.path, "--export", target), "enc.json", "qftune export report", "--force")
    assert target.read_bytes() == keep
    again = tmp_path / "again.json"
    assert run("encodings", qf_session.path, "--export", again).returncode == 0
    assert run("encodings", qf_session.path, "--export", again).returncode == 0   # its own kind: replaced


def test_demo_refuses_a_folder_it_did_not_write(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "summary.txt").write_text("my notes\n")
    clean_error(run("demo", "--out", folder, "--quick", "--no-dfq", "--no-ablation", "--no-plots"),
                "--out", "work", "the demo did not write", "--force")
    assert sorted(p.name for p in folder.iterdir()) == ["summary.txt"]
