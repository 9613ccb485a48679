"""The parts of the job layer that need no model: TF-free imports, method names checked once,
model cards with old and new keys."""

import json
import subprocess
import sys

import pytest


def test_workflows_granularities_and_method_list_import_without_tensorflow():
    code = ("import sys, core.workflows.calibrate, core.workflows.export, core.workflows.evaluate, "
            "core.workflows.compare, core.workflows.sensitivity, core.workflows.equalize, core.workflows.inputs, "
            "core.workflows.train, core.workflows.finetune\n"
            "from core.quant.granularity import GRANULARITIES\nfrom core.choosers import METHODS\n"
            "import core.cli.commands.export, core.cli.commands.sensitivity\n"
            "print(GRANULARITIES, list(METHODS), sorted(m for m in sys.modules if m.split('.')[0] in "
            "('tensorflow', 'keras', 'PySide6')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "('per-channel', 'per-tensor') ['greedy', 'minmax', 'percentile', 'entropy', 'mse'] []"


def test_every_method_has_a_description_and_an_unknown_one_is_refused_before_any_work(tmp_path):
    from core.choosers import CHOOSERS, METHODS, make_chooser
    from core.workflows.calibrate import calibrate

    assert list(METHODS) == list(CHOOSERS)
    assert all(d and d == CHOOSERS[m].description for m, d in METHODS.items())
    with pytest.raises(ValueError, match=r"unknown range method 'magic'; choose one of greedy, minmax"):
        make_chooser("magic")
    # the model file does not exist: the method is checked first
    with pytest.raises(ValueError, match=r"unknown range method 'magic'"):
        calibrate(str(tmp_path / "missing.keras"), method="magic")


def test_cli_method_and_weights_choices_come_from_core(tmp_path):
    from core.cli import build_parser

    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["calibrate", "m.keras", "--out", "s.qft", "--method", "magic"])
    assert parser.parse_args(["calibrate", "m.keras", "--out", "s.qft", "--method", "mse"]).method == "mse"
    with pytest.raises(SystemExit):
        parser.parse_args(["export", "s.qft", "--out", "m.tflite", "--weights", "per-row"])


@pytest.mark.parametrize("card, expected", [
    ({"float_top1_test10k": 0.9257, "int8_top1_eval": 0.91}, (0.9257, 0.91)),
    ({"top1": 0.8, "int8_top1": 0.7, "int8_top1_test10k": 0.6}, (0.8, 0.7)),
    ({"float": {"top1": 0.93}, "int8": {"greedy": {"per_tensor": {"top1": 0.925}, "per_channel": {"top1": 0.929}}}},
     (0.93, 0.925)),
    ({"float_top1": 0.93, "int8": {"minmax": {"per_tensor": {"top1": 0.5}}}}, (0.93, None)),
    ({"int8": "n/a", "float_top1": None}, (None, None)),
])
def test_recorded_top1_reads_old_and_new_card_keys(tmp_path, card, expected):
    from core.models.cards import read_card, recorded_top1

    model = tmp_path / "m.keras"
    (tmp_path / "m.json").write_text(json.dumps(card))
    assert recorded_top1(read_card(model)) == expected


def test_a_missing_or_broken_card_reads_as_empty(tmp_path):
    from core.models.cards import read_card, recorded_top1

    assert read_card(tmp_path / "none.keras") == {}
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "list.json").write_text("[1, 2]")
    assert read_card(tmp_path / "bad.keras") == {} == read_card(tmp_path / "list.keras")
    assert recorded_top1({}) == (None, None)


@pytest.mark.parametrize("options, message", [
    ({"arch": "resnet"}, "--arch must be one of mobilenet-v1, mobilenet-v2, got 'resnet'"),
    ({"qf_changes": "1,5"}, "--qf-changes 1,5: unknown QF change(s) [5]"),
    ({"qf_changes": [4]}, "--qf-changes 4: unknown QF change(s) [4]"),
    ({"width": 0}, "--width must be > 0, got 0"),
    ({"epochs": 0}, "--epochs must be >= 1, got 0"),
    ({"learning_rate": float("nan")}, "--lr must be a finite number, got nan"),
    ({"recipe": "sgd"}, "--recipe must be one of qftune, tf-slim-mobilenet, got 'sgd'"),
])
def test_train_workflow_names_the_option_and_value_before_any_work(tmp_path, options, message):
    """The checks of ``qftune train`` and Jobs > Train…, in one place (core/workflows/train.py)."""
    from core.workflows.train import train

    with pytest.raises(ValueError) as exc:
        train(str(tmp_path / "m.keras"), dict(data="embedded", **options))
    assert message in str(exc.value)
    assert list(tmp_path.iterdir()) == []


def test_train_workflow_refuses_outputs_before_any_work(tmp_path):
    from core.outputs import OutputError
    from core.workflows.train import train

    with pytest.raises(ValueError, match=r"--out .*m\.h5: the trained model is written as a \.keras file \(got \.h5\)"):
        train(str(tmp_path / "m.h5"), {"data": "embedded"})
    (tmp_path / "m.log.json").write_text("my notes")
    with pytest.raises(OutputError, match=r"m\.log\.json already exists"):
        train(str(tmp_path / "m.keras"), {"data": "embedded"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.log.json"]


def test_train_workflow_names_a_session_at_out_and_force_never_writes_a_model_into_it(tmp_path):
    """``train --out s.qft`` where s.qft is a session: the error says what the file is (and that --force
    would be needed); with --force the .keras rule still refuses, so the session is never replaced by a
    Keras model."""
    from core.outputs import OutputError
    from core.workflows.train import train

    session = tmp_path / "s.qft"
    session.write_text('{"format": "qftune-session", "version": 1}')
    before = session.read_bytes()
    with pytest.raises(OutputError, match=r"s\.qft.*--force"):
        train(str(session), {"data": "embedded"})
    with pytest.raises(ValueError, match=r"--out .*s\.qft: the trained model is written as a \.keras file \(got \.qft\)"):
        train(str(session), {"data": "embedded"}, force=True)
    assert session.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.qft"]
