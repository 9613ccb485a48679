"""Helpers the GUI tests import (``from gui_kit import ...``), as ``tests/device/device_kit.py``
does for the device tests: a module of its own name, so ``pytest tests/gui tests/device`` and
``pytest tests/device tests/gui`` collect the same (a bare ``from conftest import`` resolved to
whichever conftest.py came first)."""

from __future__ import annotations

import gc
import threading
import time

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from gui.stall_meter import StallMeter as _WallStallMeter


def _runqueue_wait_s() -> float | None:
    """Seconds this thread has waited for a CPU on the kernel's run queue (Linux schedstat), else None."""
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


class StallMeter(_WallStallMeter):
    """:class:`gui.stall_meter.StallMeter` counting only the UI thread's own freezes.

    A gap between two ticks counts the time the UI thread ran or was blocked (a lock, a synchronous
    wait: a real freeze), minus the time it was runnable but waiting for a CPU (the kernel's run-queue
    delay, read from schedstat): on a loaded 2-core machine (make test on two workers beside other
    jobs) the latter alone reached 223 ms with the UI idle. ``max_gap_ms`` without that correction stays
    in ``max_wall_gap_ms``. Without schedstat (not Linux) it is the wall-clock meter."""

    def start(self) -> StallMeter:
        self._wait = _runqueue_wait_s()
        self.max_wall_gap_ms = 0.0
        return super().start()

    def _tick(self) -> None:
        now, wait = time.perf_counter(), _runqueue_wait_s()
        if self._last is not None:
            gap = (now - self._last) * 1000.0
            self.max_wall_gap_ms = max(self.max_wall_gap_ms, gap)
            if wait is not None and self._wait is not None:
                gap -= (wait - self._wait) * 1000.0
            self.max_gap_ms = max(self.max_gap_ms, gap)
        self._last, self._wait = now, wait
        self.ticks += 1


def _flush_deletes(collect: bool = True):
    """Run the pending ``deleteLater`` deletions; with ``collect``, then a full garbage collection (which frees
    the Python side of closed widgets) and the deletions it posted. A full collection costs ~0.2 s of CPU
    once TensorFlow and Keras are loaded, so the per-test fixtures collect once, after the test."""
    for _ in range(2):
        QApplication.sendPostedEvents(None, QEvent.DeferredDelete)
        QApplication.processEvents()
    if collect:
        gc.collect()
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)


def wait_jobs(qtbot, app, timeout: int = 120_000) -> None:
    """Wait until no job is running (and the last one's results are applied)."""
    qtbot.waitUntil(lambda: not app.runner.busy, timeout=timeout)


def close_errors(app) -> list[str]:
    """Close the error dialogs the app showed; returns their texts."""
    texts = [f"{b.text()}\n{b.informativeText()}" for b in app.errors]
    for b in list(app.errors):
        b.close()
    _flush_deletes()
    return texts
