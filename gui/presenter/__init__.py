"""Presenter mode (issue 22 §3): the story's cached figures, full screen, keyboard-driven."""


def open_presenter(session_a=None, session_b=None, out=None, near=None):
    """View > Presenter (F5): the story of the pair (default: the bundled MobileNetV1 original and QF) full screen,
    deleted when closed (Esc)."""
    from PySide6.QtCore import Qt

    from core.present import bundled_pair

    from .window import PresenterWindow, show_full_screen

    if session_a is None or session_b is None:
        session_a, session_b = bundled_pair()
    win = PresenterWindow(session_a, session_b, out)
    win.setAttribute(Qt.WA_DeleteOnClose)
    show_full_screen(win, near)
    return win
