"""The folder file dialogs start in: the last one the user picked a file in (kept in
``QSettings``), else the current directory."""

from __future__ import annotations

import os
from pathlib import Path

_settings = None


def use_settings(settings) -> None:
    """The application's ``QSettings`` (set once by :class:`gui.app.QftuneApp`)."""
    global _settings
    _settings = settings


def last_folder() -> str:
    folder = _settings.value("last_folder", "") if _settings is not None else ""
    return str(folder) if folder and Path(str(folder)).is_dir() else os.getcwd()


def remember_folder(path: str) -> None:
    """Remember the folder of ``path`` (a file just chosen) for the next file dialog."""
    if _settings is None or not path:
        return
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    _settings.setValue("last_folder", str(folder))
