"""Advisory locks that serialise every writer of a session file.

``S.qft`` is guarded by ``S.qft.lock`` beside the file the path resolves to (so a
symlinked session and its target share one lock). The lock is ``fcntl.flock`` on
that file: released by the kernel when the process dies, so a killed writer never
leaves a stale lock. Re-entrant within a process (a holder may save under it).
The lock file itself is left in place: deleting it would let two processes lock
two different inodes. The holder writes its pid into it, so a writer that has to wait
says at once (one stderr line) who holds the file and how long it will wait.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, writers rely on the change stamp
    fcntl = None

LOCK_SUFFIX = ".lock"
DEFAULT_TIMEOUT_S = 120.0

_held: dict[str, tuple[int, int]] = {}       # lock path -> (fd, depth)
_mutex = threading.RLock()


class LockTimeout(OSError):
    """Another process kept the session locked for too long."""


def lock_path(path: str | Path) -> Path:
    """``<real path>.lock``: the lock file guarding ``path``."""
    real = Path(os.path.realpath(path))
    return real.with_name(real.name + LOCK_SUFFIX)


@contextmanager
def file_lock(path: str | Path, timeout: float = DEFAULT_TIMEOUT_S):
    """Hold the exclusive advisory lock of ``path`` (waits up to ``timeout`` seconds)."""
    key = str(lock_path(path))
    with _mutex:
        if key in _held:
            fd, depth = _held[key]
            _held[key] = (fd, depth + 1)
            reentered = True
        else:
            reentered = False
    if not reentered:
        fd = _acquire(Path(key), timeout, path)
        with _mutex:
            _held[key] = (fd, 1)
    try:
        yield Path(key)
    finally:
        with _mutex:
            fd, depth = _held[key]
            if depth > 1:
                _held[key] = (fd, depth - 1)
            else:
                del _held[key]
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)


def _acquire(lock: Path, timeout: float, path) -> int:
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    if fcntl is None:
        return fd
    deadline = time.monotonic() + timeout
    delay = 0.005
    said = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _record_pid(fd)
            return fd
        except BlockingIOError:
            if not said:
                said = True
                _say_waiting(fd, lock, path, timeout)
            if time.monotonic() >= deadline:
                os.close(fd)
                raise LockTimeout(f"{path}: another qftune process has kept it locked for {timeout:.0f} s "
                                  f"({lock}); try again when it has finished") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        except OSError:
            os.close(fd)
            raise


def _record_pid(fd: int) -> None:
    """Write this process's pid into the lock file it now holds (for a waiting writer's message)."""
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass        # a read-only lock file still locks; the message then names no pid


def _holder_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _say_waiting(fd: int, lock: Path, path, timeout: float) -> None:
    """One stderr line, at once: another writer holds ``path``; this one waits up to ``timeout`` s."""
    pid = _holder_pid(fd)
    who = f"another qftune process (pid {pid})" if pid else "another qftune process"
    stream = sys.stderr
    if stream is not None:
        print(f"{path}: {who} is writing it (lock {lock}); waiting up to {timeout:.0f} s for it to finish",
              file=stream, flush=True)
