"""Event-loop stall meter: how long the UI thread went without processing events.

A ``QTimer`` ticks every ``interval_ms``; the largest gap between two ticks minus
the interval is the longest time the event loop was blocked (a frozen UI). Used by
the tests and the benchmarks to check that jobs never freeze the window.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer


class StallMeter(QObject):
    def __init__(self, interval_ms: int = 10, parent: QObject | None = None):
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last: float | None = None
        self.max_gap_ms = 0.0
        self.ticks = 0

    def start(self) -> StallMeter:
        self._last = time.perf_counter()
        self.max_gap_ms = 0.0
        self.ticks = 0
        self._timer.start()
        return self

    def stop(self) -> float:
        self._tick()
        self._timer.stop()
        return self.max_stall_ms

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.max_gap_ms = max(self.max_gap_ms, (now - self._last) * 1000.0)
        self._last = now
        self.ticks += 1

    @property
    def max_stall_ms(self) -> float:
        """Longest time beyond one tick interval that the event loop did not run."""
        return max(0.0, self.max_gap_ms - self.interval_ms)

    def __enter__(self) -> StallMeter:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
