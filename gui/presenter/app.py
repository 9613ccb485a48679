"""``qftune present``: the presenter window on its own, full screen."""

from __future__ import annotations

import sys


def main(session_a: str, session_b: str, out: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from .. import terminal
    from .window import PresenterWindow, show_full_screen

    terminal.quiet_qt_messages()
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    qapp.setApplicationName("qftune")
    win = PresenterWindow(session_a, session_b, out)
    show_full_screen(win)
    terminal.quit_on_ctrl_c(win)           # Ctrl+C in the terminal leaves, as Esc does
    return qapp.exec()
