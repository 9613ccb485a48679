"""Progress reporting and cancellation for long jobs, shared by the CLI and the GUI.

The engine calls ``progress.update(done, total, message)`` and
``progress.check_cancelled()``; the CLI renders a text bar, the GUI maps the same
calls to Qt signals from its worker thread. Nothing here knows about either.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Cancelled(Exception):
    """Raised inside a job when its user asked to cancel it."""


class Progress:
    """A sink for progress events with a thread-safe cancel flag.

    ``callback(done, total, message)`` is called on every update (from the job's thread).
    """

    def __init__(self, callback: Callable[[float, float, str], None] | None = None):
        self._callback = callback
        self._cancel = threading.Event()

    def update(self, done: float, total: float, message: str = "") -> None:
        if self._callback is not None:
            self._callback(done, total, message)
        self.check_cancelled()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise Cancelled("cancelled by the user")

    def sub(self, start: float, span: float, total: float) -> Progress:
        """A child progress mapping its ``[0, total]`` onto ``[start, start + span]`` of this one's 0..1."""
        parent = self

        class _Sub(_Forwarding):
            def update(self, done, t, message=""):
                parent.update(start + span * (done / t if t else 0.0), 1.0, message)

        return _Sub(parent)


class _Forwarding(Progress):
    """A progress whose cancel, cancel check and cancelled state are its parent's (``sub`` and ``with_eta``
    only change how ``update`` reports)."""

    def __init__(self, parent: Progress):
        super().__init__()
        self._parent = parent

    def check_cancelled(self):
        self._parent.check_cancelled()

    def cancel(self):
        self._parent.cancel()

    @property
    def cancelled(self):
        return self._parent.cancelled


NULL_PROGRESS = Progress()


def eta_text(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds < 3600 else f"{seconds // 3600} h {seconds // 60 % 60:02d} min"


def with_eta(progress: Progress, clock=None) -> Progress:
    """A progress forwarding to ``progress`` with "ETA ..." appended to each message, from the rate so far
    (once 1 % is done); cancel and the cancel check are ``progress``'s own."""
    import time

    clock = clock or time.monotonic
    t0 = clock()
    parent = progress

    class _Eta(_Forwarding):
        def update(self, done, total, message=""):
            frac = done / total if total else 0.0
            elapsed = clock() - t0
            if 0.01 <= frac < 1.0 and elapsed > 0:
                message = f"{message} — ETA {eta_text(elapsed * (1 - frac) / frac)}" if message else \
                    f"ETA {eta_text(elapsed * (1 - frac) / frac)}"
            parent.update(done, total, message)

    return _Eta(parent)
