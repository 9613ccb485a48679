"""A dependency-free text progress bar for the CLI (redraws in place on a terminal)."""

from __future__ import annotations

import sys
import time

from ..progress import Progress


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

    def update(self, done, total, message=""):
        now = time.monotonic()
        final = total and done >= total
        if not final and now - self._last < (self.min_interval if self._tty else 2.0):
            return self.check_cancelled()
        self._last = now
        frac = min(max(done / total, 0.0), 1.0) if total else 0.0
        filled = int(frac * self.width)
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {frac * 100:5.1f}% {message}"
        if self._tty:
            pad = max(self._last_line_len - len(line), 0)
            self.stream.write("\r" + line + " " * pad)
            self._last_line_len = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self.check_cancelled()

    def close(self):
        if self._tty and self._last_line_len:
            self.stream.write("\n")
            self.stream.flush()
            self._last_line_len = 0
