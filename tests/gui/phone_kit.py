"""The loopback Pixel 2 of tests/device for GUI tests: Debian's real adb server on a free port (module
scope) and the stand-in measurement tools, as tests/device/conftest.py makes them (that conftest's
fixtures are not visible from tests/gui)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "device"))

import standins  # noqa: E402
from adbd_emulator import FakePhone  # noqa: E402,F401
from device_kit import ADB, adb, free_port, plug  # noqa: E402,F401


@pytest.fixture(scope="module")
def adb_port(tmp_path_factory):
    """Debian's adb server on a free port, for this module (as tests/device/conftest.py's adb_server)."""
    if ADB is None:
        pytest.skip("Debian's adb is not installed")
    port = free_port()
    old = {k: os.environ.get(k) for k in ("ANDROID_ADB_SERVER_PORT", "HOME")}
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)
    os.environ["HOME"] = str(tmp_path_factory.mktemp("adb-home"))
    adb("start-server")
    yield port
    adb("kill-server")
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="module")
def standin_tools(tmp_path_factory):
    d = tmp_path_factory.mktemp("tools")
    return {"benchmark": standins.write_standin(d / "android_aarch64_benchmark_model", standins.BENCHMARK_MODEL),
            "eval": standins.write_standin(d / "run_eval", standins.RUN_EVAL)}
