"""Jobs > Train… goes through the same workflow as ``qftune train`` (core/workflows/train.py): options and outputs
the CLI refuses are named in the dialog, which stays open, and nothing runs; a run's result is the run log that
``qftune train --json`` prints (and writes as MODEL.log.json)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from gui_helpers import click_menu, click_run
from gui_kit import close_errors, wait_jobs

from gui import actions


def _recording_train_action(monkeypatch) -> list:
    """The Train action with an on-done handler that records the job's result before the window's own."""
    got = []
    train = actions.BY_ID["train"]

    def done(app, result, opened):
        got.append(result)
        train.on_done(app, result, opened)

    recorded = dataclasses.replace(train, on_done=done)
    monkeypatch.setattr(actions, "ACTIONS", tuple(recorded if a.id == "train" else a for a in actions.ACTIONS))
    monkeypatch.setitem(actions.BY_ID, "train", recorded)
    return got


def _fill(dlg, out, **extra) -> None:
    values = dict(data="embedded", width=0.25, epochs=1, batch_size=32, limit=64, out=str(out))
    for key, value in {**values, **extra}.items():
        dlg.set_value(key, value)


@pytest.mark.timeout(300)
def test_train_from_the_jobs_menu_returns_the_run_log_qftune_train_json_prints(make_main_window, tmp_path, qtbot,
                                                                               monkeypatch):
    got = _recording_train_action(monkeypatch)
    app = make_main_window()
    out = tmp_path / "t.keras"
    click_menu(qtbot, app.window, "&Jobs", "&Train…")
    _fill(app.dialog, out)
    click_run(qtbot, app.dialog)
    wait_jobs(qtbot, app, timeout=240_000)
    assert not app.errors, close_errors(app)
    assert out.exists() and len(got) == 1
    written = json.loads((tmp_path / "t.log.json").read_text())
    assert json.loads(json.dumps(got[0])) == written          # the log the CLI prints with --json
    assert written["finished"] and written["config"]["command"] == "qftune gui (Train…)"
    assert written["config"]["width"] == 0.25 and written["config"]["limit"] == 64
    assert "training finished: 1 epochs" in app.messages


@pytest.mark.parametrize("extra, expect", [
    ({"qf_changes": "1,5"}, "--qf-changes 1,5: unknown QF change(s) [5]"),
    ({"qf_changes": "1,x"}, "--qf-changes expects a comma-separated list"),
    ({"out": "t.h5"}, "the trained model is written as a .keras file (got .h5)"),
    ({"out": "notes.keras"}, "notes.keras already exists and is not a Keras model"),     # not replaced
])
def test_options_the_cli_refuses_are_named_in_the_dialog_and_nothing_runs(make_main_window, tmp_path, qtbot,
                                                                          extra, expect):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "notes.keras").write_text("my notes\n")
    app = make_main_window()
    dlg = app.open_action("train")
    out = folder / extra.pop("out", "t.keras")
    _fill(dlg, out, **extra)
    dlg.accept()
    assert dlg.isVisible() and dlg.error.isVisible() and expect in dlg.error.text(), dlg.error.text()
    assert not app.runner.busy and not close_errors(app)
    dlg.reject()
    assert sorted(p.name for p in folder.iterdir()) == ["notes.keras"]
    assert (folder / "notes.keras").read_text() == "my notes\n"
