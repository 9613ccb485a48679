"""The loopback Pixel 2 of tests/device for GUI tests: Debian's real adb server on a free port (module
scope) and the stand-in measurement tools, as tests/device/conftest.py makes them (that conftest's
fixtures are not visible from tests/gui)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "device"))

import standins  # noqa: E402
from adbd_emulator import FakePhone  # noqa: E402,F401
from device_kit import ADB, adb, adb_server, free_port, plug  # noqa: E402,F401


@pytest.fixture(scope="module")
def adb_port(tmp_path_factory):
    """Debian's adb server on a free port, for this module (as tests/device/conftest.py's adb_server)."""
    if ADB is None:
        pytest.skip("Debian's adb is not installed")
    with adb_server(tmp_path_factory.mktemp("adb-home")) as port:
        yield port


@pytest.fixture(scope="module")
def standin_tools(tmp_path_factory):
    d = tmp_path_factory.mktemp("tools")
    return {"benchmark": standins.write_standin(d / "android_aarch64_benchmark_model", standins.BENCHMARK_MODEL),
            "eval": standins.write_standin(d / "run_eval", standins.RUN_EVAL)}
