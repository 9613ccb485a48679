"""The adb server: its address, starting it, a client of it, and why a connection to a device broke.

The server is the one on ``ANDROID_ADB_SERVER_HOST``/``ANDROID_ADB_SERVER_PORT`` (default
127.0.0.1:5037), started with ``adb -P PORT start-server`` when it is not running.
:mod:`core.device.adb` (the device list) and :mod:`core.device.shell` (commands) both use it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

from .errors import AdbServerDied, AdbUnavailable, DeviceError, DeviceLost


def server_address() -> tuple[str, int]:
    """(host, port) of the adb server; a malformed ``ANDROID_ADB_SERVER_PORT`` is an :class:`AdbUnavailable`."""
    host = os.environ.get("ANDROID_ADB_SERVER_HOST", "127.0.0.1")
    text = os.environ.get("ANDROID_ADB_SERVER_PORT", "5037")
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise AdbUnavailable(f"ANDROID_ADB_SERVER_PORT={text!r} is not a port number (1-65535)",
                             advice="Unset it, or set it to the adb server's port (default 5037).")
    return host, port


class _LazyAdbutils:
    """``adbutils``, imported on first use: it reads ``ANDROID_ADB_SERVER_PORT`` at import and raises a bare
    ValueError for a malformed one, which must not break ``qftune --help`` or non-device commands."""

    def __getattr__(self, name):
        server_address()              # validate the variable first, with a clear error
        import adbutils as module

        return getattr(module, name)


adbutils = _LazyAdbutils()


def server_running(timeout: float = 0.5) -> bool:
    """True when something accepts connections on the adb server address (never starts it)."""
    host, port = server_address()
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_server() -> None:
    """Start the adb server on the configured port if it is not running."""
    if server_running():
        return
    host, port = server_address()
    adb = shutil.which("adb")
    if adb is None:
        raise AdbUnavailable(f"no adb server on {host}:{port} and no adb executable on PATH to start one")
    try:
        run = subprocess.run([adb, "-P", str(port), "start-server"], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        raise AdbUnavailable(f"'{adb} -P {port} start-server' did not finish within 20 s") from None
    if run.returncode != 0 or not server_running(2.0):
        raise AdbUnavailable(f"could not start the adb server on port {port}: {(run.stderr or run.stdout).strip()}")


def client() -> adbutils.AdbClient:
    ensure_server()
    host, port = server_address()
    return adbutils.AdbClient(host=host, port=port, socket_timeout=10)


def diagnose(serial: str, doing: str) -> DeviceError:
    """Why a connection to the device broke: the adb server died, or the device left/went offline."""
    if not server_running():
        host, port = server_address()
        return AdbServerDied(f"the adb server on {host}:{port} stopped while {doing}")
    try:
        host, port = server_address()
        state = {d.serial: d.state for d in adbutils.AdbClient(host=host, port=port, socket_timeout=3).list()}.get(serial)
    except (adbutils.AdbError, OSError):
        return AdbServerDied(f"the adb server stopped answering while {doing}")
    if state is None:
        return DeviceLost(f"device {serial} disconnected while {doing}")
    if state == "offline":
        return DeviceLost(f"device {serial} went offline while {doing}")
    return DeviceLost(f"the connection to device {serial} broke while {doing} (device state now: {state})")
