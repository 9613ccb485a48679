"""Helpers for the issue-10 tests: a copy of the bundled model + session, and the CLI as a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = "mobilenet_v2_qf_fmnist"


def workspace(tmp_path: Path) -> tuple[Path, Path]:
    """(session, model): the bundled QF session and its model copied with the same layout (relpath resolves)."""
    (tmp_path / "models").mkdir()
    (tmp_path / "sessions").mkdir()
    for suffix in (".keras", ".json"):
        shutil.copy(ROOT / "resources" / "models" / (MODEL + suffix), tmp_path / "models" / (MODEL + suffix))
    shutil.copy(ROOT / "resources" / "sessions" / (MODEL + ".qft"), tmp_path / "sessions" / "s.qft")
    return tmp_path / "sessions" / "s.qft", tmp_path / "models" / (MODEL + ".keras")


def env(**extra) -> dict:
    e = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    e.update(extra)
    return e


def qftune(*args, cwd=None, timeout=300, **env_extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd or ROOT, env=env(**env_extra))


def spawn(*args, cwd=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "core.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd or ROOT, env=env())


def ranges(session) -> dict:
    out = qftune("ranges", session, "--json")
    assert out.returncode == 0, out.stderr
    return {r["name"]: r for r in json.loads(out.stdout)}


def clean_error(out: subprocess.CompletedProcess, *needles: str, rc: int = 2) -> str:
    """Assert a one-line user error (no traceback) with every needle; returns stderr."""
    assert out.returncode == rc, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    for n in needles:
        assert n in out.stderr, (n, out.stderr)
    return out.stderr
