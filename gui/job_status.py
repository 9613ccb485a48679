"""Status-bar widget for the running job: title, progress bar and Cancel."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from .jobs import Job, JobRunner


class JobStatusWidget(QWidget):
    def __init__(self, runner: JobRunner, parent=None):
        super().__init__(parent)
        self.runner = runner
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running job; the session stays as it was before the job")
        self.cancel_button.clicked.connect(self._cancel)
        for w in (self.label, self.bar, self.cancel_button):
            lay.addWidget(w)
        self._set_idle()
        self._clear_timer = QTimer(self)
        self._clear_timer.setSingleShot(True)
        self._clear_timer.timeout.connect(lambda: self.label.setText(""))
        runner.started.connect(self._started)
        runner.finished.connect(self._finished)

    def _set_idle(self) -> None:
        self.bar.hide()
        self.cancel_button.hide()

    DONE_TIMEOUT_MS = 5000       # "Opening x done" is news for a few seconds, not forever

    def _started(self, job: Job) -> None:
        self._clear_timer.stop()
        self.label.setText(f"{job.title}…")
        self.bar.setValue(0)
        self.bar.show()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        job.progressed.connect(self._progress)

    def _progress(self, frac: float, message: str) -> None:
        self.bar.setValue(int(max(0.0, min(1.0, frac)) * 1000))
        title = self.runner.current.title if self.runner.current else ""
        self.label.setText(f"{title}: {message}" if message else title)

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText(self.label.text() + " (cancelling…)")
        self.runner.cancel()

    def _finished(self, job: Job) -> None:
        words = {"ok": "done", "error": "failed", "cancelled": "cancelled"}
        self.label.setText(f"{job.title} {words.get(job.status, job.status)}")
        self._set_idle()
        self._clear_timer.start(self.DONE_TIMEOUT_MS)
