"""Shared by the benchmarks that drive qftune in-process (bench_autotune*.py, bench_clip_100x.py,
bench_weights.py, bench_qat.py): run a command as the user would, and the folder a bench writes to."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
V1_SESSION = ROOT / "resources/sessions/mobilenet_v1_orig_fmnist.qft"   # the bundled original MobileNetV1



def qftune(*argv) -> tuple[int, str]:
    """Run ``qftune ARGV`` in-process (arguments may be paths or numbers): its exit code and what it printed."""
    from core.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue()


def must(*argv) -> str:
    """``qftune(*argv)``'s printed output; a failure stops the bench, naming the command and its exit code."""
    rc, out = qftune(*argv)
    if rc != 0:
        raise SystemExit(f"qftune {' '.join(map(str, argv))} failed with exit code {rc}")
    return out


def qftune_json(*argv) -> tuple[int, dict]:
    """``qftune(*argv)`` of a ``--json`` command: its exit code and its document ({} when it printed nothing)."""
    rc, out = qftune(*argv)
    return rc, json.loads(out) if out.strip() else {}


@contextlib.contextmanager
def out_dir(path: str | None) -> Iterator[Path]:
    """The bench's ``--out`` folder (made if missing, kept), or a temporary one removed at the end."""
    if path is not None:
        d = Path(path)
        d.mkdir(parents=True, exist_ok=True)
        yield d
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


def print_result(result: dict) -> None:
    """The bench's JSON on stdout (the one thing it prints there)."""
    print(json.dumps(result, indent=1))
