"""The ``qftune`` command line for tests: in-process by default, a real process where the process is the subject.

``run(...)`` calls ``core.cli.main`` in this interpreter (TensorFlow is imported once for the whole
session, which is what makes the suite fast) and returns a ``subprocess.CompletedProcess`` with the
exit code, stdout and stderr exactly as a user would see them: argparse's ``SystemExit`` becomes
the return code, a command's ``print`` and warnings land in the captured text.

``run_process(...)`` starts ``python -m core.cli`` as a child. Use it only where the process itself is
what the test checks: concurrent writers, fd-2 log filtering, kill -9 recovery, peak RSS, import
lightness, parent death, stdout closed.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class _Capture(io.StringIO):
    """A text stream that is not a terminal (progress bars draw their non-tty form, as in a pipe)."""

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def _environment(cwd, env_extra: dict):
    old_cwd = os.getcwd()
    saved = {k: os.environ.get(k) for k in env_extra}
    try:
        for k, v in env_extra.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = str(v)
        if cwd is not None:
            os.chdir(cwd)
        yield
    finally:
        os.chdir(old_cwd)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run(*args, cwd=None, env: dict | None = None, stdin: str | None = None,
        **env_extra) -> subprocess.CompletedProcess:
    """``qftune ARGS`` in this process: (returncode, stdout, stderr) as the user sees them."""
    from core.cli import main

    argv = [str(a) for a in args]
    out, err = _Capture(), _Capture()
    extra = dict(env or {})
    extra.update(env_extra)
    old_stdin = sys.stdin
    with _environment(cwd, extra), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        if stdin is not None:
            sys.stdin = io.StringIO(stdin)
        try:
            rc = main(argv)
        except SystemExit as exc:          # argparse's usage errors and --help
            code = exc.code
            rc = code if isinstance(code, int) else (0 if code is None else 1)
            if code is not None and not isinstance(code, int):
                print(code, file=sys.stderr)
        finally:
            sys.stdin = old_stdin
    return subprocess.CompletedProcess(["qftune", *argv], int(rc or 0), out.getvalue(), err.getvalue())


def process_env(**extra) -> dict:
    e = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    e.update({k: str(v) for k, v in extra.items()})
    return e


def run_process(*args, cwd=None, timeout=600, env: dict | None = None, close_stdout: bool = False,
                **env_extra) -> subprocess.CompletedProcess:
    """``python -m core.cli ARGS`` as a child process (only where the process is the subject).

    An ``env``/keyword value of None removes that variable; ``close_stdout`` starts the child with
    its stdout closed (``>&-``; the result's stdout is then empty)."""
    e = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    for k, v in {**env_extra, **(env or {})}.items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = str(v)
    argv = [sys.executable, "-m", "core.cli", *map(str, args)]
    if close_stdout:
        r = subprocess.run(argv, stderr=subprocess.PIPE, text=True, timeout=timeout, cwd=cwd or ROOT, env=e,
                           preexec_fn=lambda: os.close(1))
        return subprocess.CompletedProcess(r.args, r.returncode, "", r.stderr)
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=cwd or ROOT, env=e)


def clean_error(out: subprocess.CompletedProcess, *needles: str, rc: int = 2) -> str:
    """Assert a user error (no traceback) whose stderr holds every needle; returns stderr."""
    assert out.returncode == rc, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    for n in needles:
        assert n in out.stderr, (n, out.stderr)
    return out.stderr
