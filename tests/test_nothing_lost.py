"""Issue 10, data loss: concurrent writers (processes), outputs over inputs, symlinked sessions (the CLI in-process)."""

from __future__ import annotations

import os
import shutil

import pytest

from nothing_lost_kit import clean_error, qftune, ranges, spawn, workspace


def test_twenty_concurrent_set_range_processes_keep_all_twenty_overrides(tmp_path):
    session, _ = workspace(tmp_path)
    before = ranges(session)
    names = [n for n, r in before.items() if not r["locked"] and r["op"] != "INPUT"][:20]
    assert len(names) == 20 and len({before[n]["group"] for n in names}) == 20      # 20 untied tensors
    procs = [spawn("set-range", session, n, "-0.5", str(1.0 + i / 8)) for i, n in enumerate(names)]
    results = [(p.wait(timeout=600), p.stdout.read(), p.stderr.read()) for p in procs]
    for rc, out, err in results:
        assert rc == 0 and "saved" in out, err
    after = ranges(session)
    lost = [n for n in names if after[n]["method"] != "user"]
    assert not lost, f"{len(lost)} of 20 overrides lost: {lost}"
    for i, n in enumerate(names):
        assert abs(after[n]["max"] - (1.0 + i / 8)) < 2 * after[n]["scale"]


def test_a_whole_session_save_refuses_a_file_changed_since_it_was_opened(tmp_path):
    from core.session import Session, SessionChangedError

    session, _ = workspace(tmp_path)
    gui_copy = Session.load(session)                       # "the GUI" opened it
    assert qftune("set-range", session, "stem", "-1", "4").returncode == 0     # someone else edited it
    gui_copy.plan.set_range("block0_dw", -2.0, 2.0)
    with pytest.raises(SessionChangedError, match="s.qft changed since it was opened"):
        gui_copy.save()
    assert ranges(session)["stem"]["method"] == "user"       # the other edit survived
    gui_copy.save(force=True)                                # a deliberate overwrite is still possible
    assert ranges(session)["block0_dw"]["method"] == "user"
    again = Session.load(session)
    again.plan.set_range("block1_dw", -1.0, 1.0)
    again.save()                                             # unchanged on disk: saves


def test_calibrate_out_refuses_a_session_changed_while_it_ran(tmp_path):
    from core.session import Session, SessionChangedError, disk_stamp

    session, _ = workspace(tmp_path)
    seen = disk_stamp(session)                               # what calibrate --out records before its work
    assert qftune("set-range", session, "stem", "-1", "4").returncode == 0
    fresh = Session.load(session)
    with pytest.raises(SessionChangedError, match="changed since it was opened"):
        fresh.save(session, expected=seen)
    new = tmp_path / "new.qft"
    with pytest.raises(SessionChangedError):                 # created meanwhile by someone else
        shutil.copy(session, new)
        fresh.save(new, expected=None)


def test_set_range_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path):
    session, _ = workspace(tmp_path)
    link = tmp_path / "link.qft"
    link.symlink_to(session)
    out = qftune("set-range", link, "stem", "-1", "3")
    assert out.returncode == 0, out.stderr
    assert link.is_symlink() and os.path.realpath(link) == str(session.resolve())
    assert ranges(session)["stem"]["method"] == "user"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("case", ["export-over-model", "export-over-session", "float-out-is-out",
                                  "float-out-is-report", "encodings-over-session", "calibrate-over-model",
                                  "hardlink", "symlink", "relative"])
def test_an_output_that_is_an_input_or_another_output_is_refused_before_any_work(tmp_path, case):
    session, model = workspace(tmp_path)
    keep = {p: p.read_bytes() for p in (session, model)}
    rel_session = os.path.relpath(session, tmp_path / "models")
    args = {
        "export-over-model": ("export", session, "--out", model),
        "export-over-session": ("export", session, "--out", session),
        "float-out-is-out": ("export", session, "--out", tmp_path / "m.tflite", "--float-out",
                             tmp_path / "sessions" / ".." / "m.tflite"),
        "float-out-is-report": ("export", session, "--out", tmp_path / "m.tflite", "--float-out",
                                tmp_path / "m.export.json"),
        "encodings-over-session": ("encodings", session, "--export", session),
        "calibrate-over-model": ("calibrate", model, "--out", model, "--limit", "4"),
        "hardlink": ("export", session, "--out", tmp_path / "hard.tflite"),
        "symlink": ("encodings", session, "--export", tmp_path / "sym.json"),
        "relative": ("export", "../sessions/s.qft", "--out", rel_session),
    }[case]
    if case == "hardlink":
        os.link(model, tmp_path / "hard.tflite")
    if case == "symlink":
        (tmp_path / "sym.json").symlink_to(session)
    out = qftune(*args, cwd=tmp_path / "models")
    err = clean_error(out)
    assert "same file" in err, err
    assert "calibrate [" not in err and "export [" not in err          # refused before any work
    assert {p: p.read_bytes() for p in keep} == keep
    assert not (tmp_path / "m.tflite").exists()


def test_replacing_a_file_of_another_kind_needs_force(tmp_path):
    session, model = workspace(tmp_path)
    other = tmp_path / "other.keras"
    shutil.copy(model, other)
    clean_error(qftune("encodings", session, "--export", other), "is a Keras model", "--force")
    assert other.read_bytes() == model.read_bytes()
    clean_error(qftune("export", session, "--out", other), "is a Keras model", "--force")
    clean_error(qftune("train", "--out", session, "--epochs", "1"), "is a qftune session", "--force")
    clean_error(qftune("calibrate", model, "--out", other, "--limit", "4"), "is a Keras model", "--force")
    ok = qftune("encodings", session, "--export", other, "--force")
    assert ok.returncode == 0, ok.stderr
