"""Advisory locks that serialise every writer of a session file.

``S.qft`` is guarded by ``S.qft.lock`` beside the file the path resolves to (so a
symlinked session and its target share one lock). The lock is ``fcntl.flock`` on
that file: released by the kernel when the process dies, so a killed writer never
leaves a stale lock. Re-entrant within a process (a holder may save under it).
The lock file itself is left in place: deleting it would let two processes lock
two different inodes.
"""

from __future__ import annotations

import os
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
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise LockTimeout(f"{path}: another qftune process has kept it locked for {timeout:.0f} s "
                                  f"({lock}); try again when it has finished") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        except OSError:
            os.close(fd)
            raise
