"""Helpers the GUI tests import (``from gui_kit import ...``), as ``tests/device/device_kit.py``
does for the device tests: a module of its own name, so ``pytest tests/gui tests/device`` and
``pytest tests/device tests/gui`` collect the same (a bare ``from conftest import`` resolved to
whichever conftest.py came first)."""

from __future__ import annotations

import gc

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from gui.stall_meter import StallMeter  # noqa: F401  (re-exported for the tests)


def _flush_deletes():
    for _ in range(2):
        QApplication.sendPostedEvents(None, QEvent.DeferredDelete)
        QApplication.processEvents()
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
