"""Shared fixtures. Qt fixtures live in tests/gui/conftest.py, the adb emulator in tests/device/."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def tiny_qf_v2():
    """A small untrained QF MobileNetV2 (28x28x1, 10 classes): fast to build and run."""
    from core.models import QFConfig, build

    return build("mobilenet-v2", width=0.35, qf=QFConfig.full())


@pytest.fixture
def rng():
    return np.random.default_rng(0)


_EXIT = {"status": 0}


def pytest_sessionfinish(session, exitstatus):
    _EXIT["status"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """Leave without interpreter finalization once pytest has reported.

    With TensorFlow, LiteRT and PySide6 all loaded in one process, the garbage
    collection at interpreter shutdown intermittently aborts inside a C extension
    ("none_dealloc: deallocating None", exit 134) after every test has passed and
    the summary is printed. The results are final by then; keep pytest's exit status.
    """
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_EXIT["status"])
