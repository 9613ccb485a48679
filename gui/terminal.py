"""The window and the terminal that started it.

Ctrl+C in that terminal (SIGINT, which the terminal sends to the whole process group) closes
the window as its close button does: it quits at once when nothing is unsaved, otherwise the
window asks (Save / Discard / Cancel). A second Ctrl+C while that question is open quits
without answering it; the edits stay in the recovery file, which the next launch offers.

Qt's event loop runs no Python while it waits, so a Python signal handler would only run at
the next slot (Python then raised KeyboardInterrupt inside whatever slot ran, a traceback and
no quit). A wake-up timer lets the handler run within ``WAKE_MS``.

Qt's own chatter that says nothing to a user (the offscreen platform's "does not support
propagateSizeHints()") is dropped; every other Qt message passes through unchanged.
"""

from __future__ import annotations

import signal
import sys

from PySide6.QtCore import QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

WAKE_MS = 200
_NOISE = ("This plugin does not support propagateSizeHints()",)


def _qt_message(kind, context, message: str) -> None:
    if any(n in message for n in _NOISE):
        return
    if kind == QtMsgType.QtDebugMsg:
        return
    print(message, file=sys.stderr)


def quiet_qt_messages() -> None:
    qInstallMessageHandler(_qt_message)


def quit_on_ctrl_c(window) -> QTimer:
    """Install the SIGINT handler for ``window`` (a QMainWindow whose closeEvent asks before losing
    edits, with its open question in ``window.close_prompt``); returns the wake-up timer."""

    def on_sigint(_signum, _frame) -> None:
        if getattr(window, "close_prompt", None) is not None:
            print("qftune: Ctrl+C again: quitting without an answer; the unsaved edits stay in "
                  "the recovery file, and the next launch offers them", file=sys.stderr)
            QApplication.exit(130)
            return
        QTimer.singleShot(0, window.close)
        QTimer.singleShot(0, lambda: _said_when_asked(window))

    signal.signal(signal.SIGINT, on_sigint)
    wake = QTimer(window)
    wake.setInterval(WAKE_MS)
    wake.timeout.connect(lambda: None)      # the interpreter runs pending signal handlers between slots
    wake.start()
    return wake


def _said_when_asked(window) -> None:
    if getattr(window, "close_prompt", None) is not None:
        print("qftune: Ctrl+C: the window asks about unsaved changes (Ctrl+C again quits and keeps "
              "them in the recovery file)", file=sys.stderr)
