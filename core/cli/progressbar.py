"""A dependency-free text progress bar for the CLI (redraws in place on a terminal).

Shows the fraction done, the elapsed time and an ETA from the rate so far; jobs that
stream images put ``N images/s`` in their message (:class:`core.data.source.RateMeter`).
"""

from __future__ import annotations

import sys
import time

from ..progress import Progress


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class TextProgress(Progress):
    def __init__(self, label: str = "", stream=None, width: int = 28, min_interval: float = 0.1):
        super().__init__()
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.min_interval = min_interval
        self._last = 0.0
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_line_len = 0
        self._t0 = None
        self._frac0 = 0.0

    def update(self, done, total, message=""):
        now = time.monotonic()
        frac = min(max(done / total, 0.0), 1.0) if total else 0.0
        if self._t0 is None or frac < self._frac0:
            self._t0, self._frac0 = now, frac
        final = total and done >= total
        if not final and now - self._last < (self.min_interval if self._tty else 2.0):
            return self.check_cancelled()
        self._last = now
        filled = int(frac * self.width)
        elapsed = now - self._t0
        timing = f" {_clock(elapsed)}"
        if 0 < frac < 1 and frac > self._frac0 and elapsed > 1.0:
            timing += f" ETA {_clock(elapsed * (1 - frac) / (frac - self._frac0))}"
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {frac * 100:5.1f}%{timing} {message}"
        if self._tty:
            pad = max(self._last_line_len - len(line), 0)
            self.stream.write("\r" + line + " " * pad)
            self._last_line_len = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self.check_cancelled()

    def warn(self, message: str) -> None:
        """A warning line that does not garble the bar."""
        self.close()
        self.stream.write(f"warning: {message}\n")
        self.stream.flush()

    def close(self):
        if self._tty and self._last_line_len:
            self.stream.write("\n")
            self.stream.flush()
            self._last_line_len = 0
