"""Shared fixtures. Qt fixtures live in tests/gui/conftest.py, the adb emulator in tests/device/."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The window's engine helper runs at nice 10 so the UI keeps the CPU; here two test workers share the
# cores, and a niced helper would leave every GUI test waiting behind the other worker.
os.environ.setdefault("QFTUNE_ENGINE_NICE", "0")


@pytest.fixture(scope="session")
def tiny_qf_v2():
    """A small untrained QF MobileNetV2 (28x28x1, 10 classes): fast to build and run."""
    from core.models import QFConfig, build

    return build("mobilenet-v2", width=0.35, qf=QFConfig.full())


@pytest.fixture
def rng():
    return np.random.default_rng(0)

