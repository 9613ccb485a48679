"""Helpers of the device tests (imported by module name, unlike conftest, which pytest
may load once per test folder under the same name)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager

import numpy as np
from adbd_emulator import FakePhone

ADB = shutil.which("adb")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def adb(*args, timeout=20) -> subprocess.CompletedProcess:
    port = os.environ["ANDROID_ADB_SERVER_PORT"]
    return subprocess.run([ADB, "-P", port, *args], capture_output=True, text=True, timeout=timeout)


def device_state(serial: str) -> str | None:
    for line in adb("devices").stdout.splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) == 2 and parts[0] == serial:
            return parts[1]
    return None


def wait_state(serial: str, want: str | None, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if device_state(serial) == want:
            return
        time.sleep(0.1)
    raise AssertionError(f"{serial} did not reach state {want!r} (now {device_state(serial)!r})")


def plug(phone: FakePhone, want: str = "device") -> FakePhone:
    """adb connect, as a user replugging the phone; waits until adb shows the state."""
    adb("connect", phone.serial)
    wait_state(phone.serial, want)
    return phone


def host_top1(tflite_path, n: int) -> float:
    """Top-1 of a .tflite on the first n embedded eval images, on the host (for comparison in tests)."""
    from ai_edge_litert.interpreter import Interpreter

    from core.data import load_dataset

    data = load_dataset("embedded:eval", "test").limit(n)
    it = Interpreter(model_path=str(tflite_path))
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    correct = 0
    for im, y in zip(data.images, data.labels, strict=True):
        q = (im.astype(np.int16) - 128).astype(np.int8)[None]
        it.set_tensor(inp["index"], q)
        it.invoke()
        correct += int(np.argmax(it.get_tensor(out["index"])[0]) == y)
    return correct / n


@contextmanager
def adb_server(home):
    """Debian's adb server on a free port with a throw-away ``home`` (its key pair lives in ~/.android);
    ANDROID_ADB_SERVER_PORT is set so adbutils' own start-server uses it too. Yields the port; kills the
    server and restores the environment on exit."""
    port = free_port()
    old = {k: os.environ.get(k) for k in ("ANDROID_ADB_SERVER_PORT", "HOME")}
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)
    os.environ["HOME"] = str(home)
    adb("start-server")
    try:
        yield port
    finally:
        adb("kill-server")
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
