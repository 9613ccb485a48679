"""Artefacts built once per test run and shared by every pytest-xdist worker (``from shared_kit import built_once``).

A session-scoped fixture is built once per *worker*: with ``make test``'s two workers, the tiny models,
sessions and exports that both halves of the suite read were built twice. ``built_once(tmp_path_factory,
name, build)`` gives ``build`` a folder under the run's common base temp (the parent of the workers'
own base temps, xdist's documented pattern), serialised by an ``flock``: the first worker to ask builds,
the others wait for it and read the same files. Nothing outlives the run (pytest's base temp is fresh per
run), so no artefact can be stale. Without xdist the folder is the session's own base temp.

The artefacts are read-only for the tests: a test that edits one copies it first (``session_copy``,
``session_file``).
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path


def _run_root(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """The folder ``name`` of this run, filled by ``build(folder)`` by the first worker that asks.

    A build that raises leaves no folder behind (the next worker tries again and fails the same way)."""
    root = _run_root(tmp_path_factory)
    folder = root / f"shared-{name}"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (folder / ".built").exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                try:
                    build(folder)
                except BaseException:
                    shutil.rmtree(folder, ignore_errors=True)
                    raise
                (folder / ".built").write_text(str(os.environ.get("PYTEST_XDIST_WORKER", "main")))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder
