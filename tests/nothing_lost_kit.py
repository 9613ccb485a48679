"""Helpers for the issue-10 tests: a copy of the bundled model + session, and the CLI (tests/cli_kit.py:
in-process; ``spawn`` starts a real process, for the tests where concurrent processes are the subject)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from cli_kit import ROOT, clean_error, process_env, run  # noqa: F401  (clean_error: the nothing-lost tests import it from here)

MODEL = "mobilenet_v2_qf_fmnist"


def workspace(tmp_path: Path) -> tuple[Path, Path]:
    """(session, model): the bundled QF session and its model copied with the same layout (relpath resolves)."""
    (tmp_path / "models").mkdir()
    (tmp_path / "sessions").mkdir()
    for suffix in (".keras", ".json"):
        shutil.copy(ROOT / "resources" / "models" / (MODEL + suffix), tmp_path / "models" / (MODEL + suffix))
    shutil.copy(ROOT / "resources" / "sessions" / (MODEL + ".qft"), tmp_path / "sessions" / "s.qft")
    return tmp_path / "sessions" / "s.qft", tmp_path / "models" / (MODEL + ".keras")


env = process_env       # the environment of a child ``python -m core.cli``
__all__ = ["ROOT", "clean_error", "copy_of", "env", "exports", "flip_byte", "qftune", "ranges", "spawn", "workspace"]


def qftune(*args, cwd=None, **env_extra) -> subprocess.CompletedProcess:
    """``qftune ARGS`` in this process (cli_kit.run), from ``cwd`` (default: the repository root)."""
    return run(*args, cwd=cwd or ROOT, **env_extra)


def spawn(*args, cwd=None) -> subprocess.Popen:
    """``python -m core.cli ARGS`` as a child process (concurrent writers)."""
    return subprocess.Popen([sys.executable, "-m", "core.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd or ROOT, env=env())


def ranges(session) -> dict:
    out = qftune("ranges", session, "--json")
    assert out.returncode == 0, out.stderr
    return {r["name"]: r for r in json.loads(out.stdout)}


def exports(tmp_path_factory) -> dict:
    """Both bundled sessions exported once per test run through ``qftune export`` (for every file and xdist
    worker that reads them: ``shared_kit.built_once``; the tests only read or copy them):
    {"root", "qf_session", "qf_model", "orig_session", "orig_model", "qf_int8", "qf_float", "orig_int8"}."""
    from shared_kit import built_once

    def paths(root: Path) -> dict:
        d = {"root": root}
        for kind in ("qf", "orig"):
            d[f"{kind}_session"] = root / "sessions" / f"mobilenet_v2_{kind}_fmnist.qft"
            d[f"{kind}_model"] = root / "models" / f"mobilenet_v2_{kind}_fmnist.keras"
            d[f"{kind}_int8"] = root / f"{kind}_int8.tflite"
        d["qf_float"] = root / "qf_float.tflite"
        return d

    def build(root: Path) -> None:
        shutil.copytree(ROOT / "resources" / "models", root / "models")
        shutil.copytree(ROOT / "resources" / "sessions", root / "sessions")
        d = paths(root)
        out = qftune("export", d["qf_session"], "--out", d["qf_int8"], "--float-out", d["qf_float"])
        assert out.returncode == 0, out.stderr
        out = qftune("export", d["orig_session"], "--out", d["orig_int8"])
        assert out.returncode == 0, out.stderr

    return paths(built_once(tmp_path_factory, "nothing_lost_exports", build))


def copy_of(path: Path, folder: Path, name: str | None = None, report: bool = True) -> Path:
    """``path`` (and its export report, renamed to match) copied into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    dst = folder / (name or path.name)
    shutil.copy(path, dst)
    rp = path.with_name(path.stem + ".export.json")
    if report and rp.exists():
        shutil.copy(rp, dst.with_name(dst.stem + ".export.json"))
    return dst


def flip_byte(path: Path, at: float = 0.5) -> None:
    b = bytearray(path.read_bytes())
    b[int(len(b) * at)] ^= 0x10
    path.write_bytes(bytes(b))
