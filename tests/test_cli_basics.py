"""The command line as a user meets it first: help texts and clear errors."""

import pytest

from cli_kit import run
from core.cli import build_parser, main

SUBCOMMANDS = {"train", "calibrate", "ranges", "set-range", "reset-range", "encodings", "export", "evaluate",
               "compare", "sensitivity", "demo", "devices", "deploy", "gui"}


def test_help_lists_every_subcommand():
    out = run("--help")
    assert out.returncode == 0
    missing = [c for c in SUBCOMMANDS if c not in out.stdout]
    assert not missing, f"qftune --help does not mention {missing}"


def test_every_option_of_every_subcommand_has_help_text():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    undocumented = []
    for name, p in sub.choices.items():
        for action in p._actions:
            if action.dest != "help" and not action.help:
                undocumented.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert not undocumented, "options without help: " + ", ".join(undocumented)


def test_train_help_describes_the_qf_switches(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    for opt in ("--arch", "--qf", "--qf-changes", "--width", "--data", "--epochs", "--out", "--resume"):
        assert opt in text
    assert "ReLU instead of ReLU6" in text


def test_unknown_dataset_spec_is_a_clear_error(tmp_path, capsys):
    rc = main(["train", "--data", "mnist", "--epochs", "1", "--out", str(tmp_path / "m.keras")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "unknown dataset spec 'mnist'" in err and "fashion-mnist" in err


def test_bad_qf_change_is_a_clear_error(tmp_path, capsys):
    rc = main(["train", "--qf-changes", "1,5", "--out", str(tmp_path / "m.keras")])
    assert rc == 2
    assert "unknown QF change(s) [5]" in capsys.readouterr().err
