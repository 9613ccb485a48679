"""View > Log: a lasting, timestamped record of what the window did (issue 22 trap 9).

The status bar's notes go after a few seconds; an export's "wrote M_int8.tflite ..." must still be
readable later. Every line the app logs (:meth:`gui.app.QftuneApp.log`: exports, saves, calibrations,
job errors) is kept here with its time, newest last.
"""

from __future__ import annotations

import time

from PySide6.QtWidgets import QPlainTextEdit


class LogView(QPlainTextEdit):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("logView")
        self.setReadOnly(True)
        self.setMaximumBlockCount(5000)
        self.setPlaceholderText("What this window did (exports, saves, jobs), with the time.")

    def add(self, text: str) -> None:
        if text:
            self.appendPlainText(f"{time.strftime('%H:%M:%S')}  {text}")

    def lines(self) -> list[str]:
        return self.toPlainText().splitlines()
