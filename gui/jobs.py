"""Running engine jobs off the UI thread: a QThread worker per job.

A job is a plain callable ``fn(progress) -> result`` taking a
:class:`core.progress.Progress`; the engine calls ``progress.update`` from the
worker thread and the runner turns it into a (rate-limited) Qt signal.
``cancel()`` sets the progress' cancel flag; the engine raises ``Cancelled`` at
its next check. Results, errors and cancellation come back on the UI thread.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.progress import Cancelled, Progress

_MIN_UPDATE_S = 0.03   # at most ~30 progress signals per second reach the UI

# Every job's (thread, worker) until its thread has finished. A window (and the runner and job
# under it) may be deleted while a job still runs, e.g. a weights read when the user closes the
# window; Qt aborts the process when a running QThread is destroyed, so the thread is not owned
# by the job alone. Finished pairs are dropped on the UI thread when the next job starts or ends.
_ALIVE: list[tuple[QThread, QObject]] = []


def _forget_finished() -> None:
    _ALIVE[:] = [(t, w) for t, w in _ALIVE if not t.isFinished()]


def wait_all(ms: int = 5_000) -> bool:
    """Wait (at exit, after the engine helper is gone) for every job thread still running."""
    deadline = time.monotonic() + ms / 1000
    for thread, _ in list(_ALIVE):
        thread.wait(max(0, int(1000 * (deadline - time.monotonic()))))
    _forget_finished()
    return not _ALIVE


class _Worker(QObject):
    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal()

    def __init__(self, fn: Callable[[Progress], Any]):
        super().__init__()
        self._fn = fn
        self._last_emit = 0.0
        self._lock = threading.Lock()
        self.progress = Progress(self._on_update)
        self.exception: BaseException | None = None

    def _on_update(self, done: float, total: float, message: str) -> None:
        now = time.monotonic()
        frac = (done / total) if total else 0.0
        with self._lock:
            if now - self._last_emit < _MIN_UPDATE_S and frac < 1.0:
                return
            self._last_emit = now
        self.progressed.emit(float(frac), str(message))

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self.progress)
        except Cancelled:
            self.cancelled.emit()
        except BaseException as exc:  # noqa: BLE001 - every engine error becomes a dialog
            self.exception = exc
            details = getattr(exc, "details", "") or traceback.format_exc()   # a remote job's own traceback
            if getattr(exc, "user_error", False):       # about the user's input: the message says it all
                details = ""
            self.failed.emit(str(exc) or type(exc).__name__, details)
        else:
            self.succeeded.emit(result)
        finally:
            # the thread's event loop ends with the job, so wait() returns as soon as the job is done
            # (the signals above are already queued for the UI thread)
            self.thread().quit()


class Job(QObject):
    """One running job; emits ``ended(status)`` with 'ok', 'error' or 'cancelled'."""

    progressed = Signal(float, str)
    ended = Signal(str)

    def __init__(self, title: str, fn, on_done=None, on_error=None, parent=None):
        super().__init__(parent)
        self.title = title
        self.status = "running"
        self.result = None
        self.error: tuple[str, str] | None = None
        self._on_done = on_done
        self._on_error = on_error
        self._thread = QThread()
        self._thread.setObjectName(f"job: {title}")
        self._worker = _Worker(fn)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progressed.connect(self.progressed)
        self._worker.succeeded.connect(self._succeeded)
        self._worker.failed.connect(self._failed)
        self._worker.cancelled.connect(self._cancelled)
        _forget_finished()
        _ALIVE.append((self._thread, self._worker))

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._worker.progress.cancel()

    @property
    def exception(self) -> BaseException | None:
        """The exception the job raised (status 'error'), e.g. to tell a DeviceError's kind."""
        return self._worker.exception

    @property
    def cancel_requested(self) -> bool:
        return self._worker.progress.cancelled

    def wait(self, ms: int = 60_000) -> bool:
        return self._thread.wait(ms)

    def _finish(self, status: str) -> None:
        self.status = status
        self._thread.quit()
        self._thread.wait()
        _forget_finished()
        self.ended.emit(status)

    def _succeeded(self, result) -> None:
        self.result = result
        try:
            if self._on_done is not None:
                self._on_done(result)
        except Exception as exc:  # noqa: BLE001
            self.error = (str(exc), traceback.format_exc())
            self._finish("error")
            return
        self._finish("ok")

    def _failed(self, message: str, details: str) -> None:
        self.error = (message, details)
        if self._on_error is not None:
            self._on_error(message, details)
        self._finish("error")

    def _cancelled(self) -> None:
        self._finish("cancelled")


class JobRunner(QObject):
    """Runs one job at a time and tells the status bar about it."""

    started = Signal(object)        # Job
    finished = Signal(object)       # Job (status set)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.current: Job | None = None
        self.history: list[Job] = []

    @property
    def busy(self) -> bool:
        return self.current is not None

    def start(self, title: str, fn: Callable[[Progress], Any], on_done=None, on_error=None) -> Job:
        if self.current is not None:
            raise RuntimeError(f"another job is running: {self.current.title}")
        job = Job(title, fn, on_done, on_error, parent=self)
        job.ended.connect(lambda status, j=job: self._ended(j))
        self.current = job
        self.started.emit(job)
        job.start()
        return job

    def cancel(self) -> None:
        if self.current is not None:
            self.current.cancel()

    def _ended(self, job: Job) -> None:
        if self.current is job:
            self.current = None
        self.history.append(job)
        self.finished.emit(job)

    def shutdown(self, ms: int = 30_000) -> None:
        """Cancel and wait for the running job (on close)."""
        if self.current is not None:
            self.current.cancel()
            self.current.wait(ms)
