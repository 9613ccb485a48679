"""Session files: bit-exact round trip, atomic save under crashes, validation of bad files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.session import Session, SessionError, model_hash

sys.path.insert(0, str(Path(__file__).parent))
from test_plan import make_plan  # noqa: E402


@pytest.fixture
def session(tmp_path):
    model = tmp_path / "model.keras"
    model.write_bytes(b"pretend model bytes")
    s = Session(make_plan(), str(model), model_hash(model), {"data": "embedded", "method": "greedy", "n_images": 10})
    s.save(tmp_path / "s.qft")
    return s


def states(plan):
    return [(e.name, e.params, e.method, e.requested) for e in plan]


def test_round_trip_keeps_overrides_and_histograms_bit_exact(session, tmp_path):
    session.plan.set_range("proj", -1.2345678901234567, 2.718281828459045)
    session.plan.reset("logits", "entropy")
    session.save()
    back = Session.load(tmp_path / "s.qft")
    assert states(back.plan) == states(session.plan)
    for a, b in zip(session.plan, back.plan, strict=True):
        np.testing.assert_array_equal(a.stats.counts, b.stats.counts)
        assert (a.stats.lo, a.stats.width, a.stats.min, a.stats.max) == (b.stats.lo, b.stats.width, b.stats.min, b.stats.max)
    assert back.calibration == session.calibration and back.warnings == []
    # saving again without changes writes the same content
    back.save(tmp_path / "again.qft")
    assert states(Session.load(tmp_path / "again.qft").plan) == states(session.plan)


def test_failure_during_save_leaves_the_old_file(session, tmp_path, monkeypatch):
    path = tmp_path / "s.qft"
    old = path.read_bytes()
    session.plan.set_range("proj", -5.0, 5.0)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        session.save()
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert Session.load(path).plan["proj"].method != "user"


def test_killed_mid_save_leaves_a_valid_file(session, tmp_path):
    path = tmp_path / "s.qft"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parents[1])!r})
        from core.session import Session
        s = Session.load({str(path)!r})
        for e in s.plan:                 # make every save slow enough to be interrupted
            e.stats.counts = __import__("numpy").random.default_rng(0).random(400_000)
        print("ready", flush=True)
        i = 0
        while True:
            i += 1
            s.plan.set_range("proj", -1.0 - i, 1.0 + i)
            s.save()
    """)
    for attempt in range(3):
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.4 + 0.37 * attempt)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        loaded = Session.load(path)                       # the old or the new file, never a broken one
        assert len(loaded.plan) == 6


def test_corrupt_truncated_and_foreign_files_are_clear_errors(session, tmp_path):
    good = (tmp_path / "s.qft").read_bytes()
    bad = tmp_path / "bad.qft"
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(SessionError, match="bad.qft.*corrupt or not a zip"):
        Session.load(bad)
    bad.write_text("hello")
    with pytest.raises(SessionError, match="not a zip"):
        Session.load(bad)
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("session.json", "{not json")
        z.writestr("histograms.npz", b"")
    with pytest.raises(SessionError, match="session.json is corrupt"):
        Session.load(bad)
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("other.txt", "x")
    with pytest.raises(SessionError, match="no session.json"):
        Session.load(bad)
    with pytest.raises(FileNotFoundError, match="missing.qft"):
        Session.load(tmp_path / "missing.qft")


def _rewrite_json(src: Path, dst: Path, edit) -> None:
    with zipfile.ZipFile(src) as z:
        doc = json.loads(z.read("session.json"))
        npz = z.read("histograms.npz")
    edit(doc)
    with zipfile.ZipFile(dst, "w") as z:
        z.writestr("session.json", json.dumps(doc))
        z.writestr("histograms.npz", npz)


def test_wrong_version_and_format(session, tmp_path):
    src, dst = tmp_path / "s.qft", tmp_path / "v.qft"
    _rewrite_json(src, dst, lambda d: d.update(version=99))
    with pytest.raises(SessionError, match="version 99 is newer"):
        Session.load(dst)
    _rewrite_json(src, dst, lambda d: d.update(format="something-else"))
    with pytest.raises(SessionError, match="not a qftune session"):
        Session.load(dst)
    _rewrite_json(src, dst, lambda d: d["plan"]["entries"][0].update(method="magic"))
    with pytest.raises(SessionError, match="unknown method 'magic'"):
        Session.load(dst)


def test_changed_model_is_refused_and_nothing_is_overwritten(session, tmp_path):
    path = tmp_path / "s.qft"
    before = path.read_bytes()
    Path(session.model_path).write_bytes(b"a different model")
    with pytest.raises(SessionError, match="changed since calibration"):
        Session.load(path)
    assert path.read_bytes() == before
    other = tmp_path / "moved.keras"
    other.write_bytes(b"pretend model bytes")
    s = Session.load(path, model_path=other)                 # the original model, moved: accepted
    assert s.model_path == str(other.resolve())
    with pytest.raises(SessionError, match="is not the model this session was calibrated on"):
        Session.load(path, model_path=session.model_path)


def test_missing_model_is_a_warning_not_an_error(session, tmp_path):
    os.unlink(session.model_path)
    s = Session.load(tmp_path / "s.qft")
    assert s.warnings and "no longer exists" in s.warnings[0]


def test_session_and_model_moved_together_still_find_each_other(session, tmp_path):
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    os.replace(tmp_path / "model.keras", moved / "model.keras")
    os.replace(tmp_path / "s.qft", moved / "s.qft")
    back = Session.load(moved / "s.qft")
    assert back.warnings == []
    assert Path(back.model_path) == (moved / "model.keras").resolve()
