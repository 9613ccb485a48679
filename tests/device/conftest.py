"""Fixtures: Debian's real adb server on a free port, a loopback Pixel 2 (adbd_emulator), the
stand-in tools, and small .tflite models (float and int8) made with the TFLite converter."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from adbd_emulator import FakePhone  # noqa: E402
import standins  # noqa: E402

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


@pytest.fixture(scope="session")
def adb_server(tmp_path_factory):
    if ADB is None:
        pytest.skip("Debian's adb is not installed")
    port = free_port()
    home = tmp_path_factory.mktemp("adb-home")
    old = {k: os.environ.get(k) for k in ("ANDROID_ADB_SERVER_PORT", "HOME")}
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)  # adbutils' own start-server must use it too
    os.environ["HOME"] = str(home)  # the server's key pair lives in a throw-away ~/.android
    adb("start-server")
    yield port
    adb("kill-server")
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def sandbox(tmp_path):
    return tmp_path / "phone"


@pytest.fixture
def phone(adb_server, sandbox):
    """A connected emulated Pixel 2; unplugged and forgotten by adb afterwards."""
    p = plug(FakePhone(sandbox))
    yield p
    p.kill()
    adb("disconnect", p.serial)


@pytest.fixture(scope="session")
def tools(tmp_path_factory):
    d = tmp_path_factory.mktemp("tools")
    return {
        "benchmark": standins.write_standin(d / "android_aarch64_benchmark_model", standins.BENCHMARK_MODEL),
        "eval": standins.write_standin(d / "run_eval", standins.RUN_EVAL),
        "crash": standins.write_standin(d / "crashing_benchmark_model", standins.CRASHES),
        "silent": standins.write_standin(d / "silent_benchmark_model", standins.SILENT),
        "x86": standins.write_standin(d / "linux_x86-64_benchmark_model", standins.BENCHMARK_MODEL,
                                      machine=standins.ELF_MACHINE_X86_64),
    }


@pytest.fixture(scope="session")
def tflite_models(tmp_path_factory):
    """A small CNN trained for a few seconds on the embedded images, as float and int8 (int8 I/O) .tflite.

    The int8 file's name has spaces and quotes, to exercise the shell quoting end to end."""
    import tensorflow as tf
    from core.data import load_dataset, to_model_input

    d = tmp_path_factory.mktemp("models")
    train = load_dataset("embedded:eval", "test").subset(np.arange(1000, 2000))
    x = to_model_input(train.images, (None, 28, 28, 1))
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([
        tf.keras.Input((28, 28, 1)),
        tf.keras.layers.Conv2D(8, 3, strides=2, activation="relu"),
        tf.keras.layers.Conv2D(16, 3, strides=2, activation="relu"),
        tf.keras.layers.GlobalAveragePooling2D(),
        tf.keras.layers.Dense(10),
    ])
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, train.labels, epochs=15, batch_size=64, verbose=0)
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    float_path = d / "tiny_float.tflite"
    float_path.write_bytes(conv.convert())
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([x[i:i + 1]] for i in range(0, 1000, 10))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    int8_path = d / "tiny \"int8\" model's.tflite"
    int8_path.write_bytes(conv.convert())
    return {"float": float_path, "int8": int8_path}


def host_top1(tflite_path, n: int) -> float:
    """Top-1 of a .tflite on the first n embedded eval images, on the host (for comparison in tests)."""
    from ai_edge_litert.interpreter import Interpreter
    from core.data import load_dataset

    data = load_dataset("embedded:eval", "test").limit(n)
    it = Interpreter(model_path=str(tflite_path))
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    correct = 0
    for im, y in zip(data.images, data.labels):
        q = (im.astype(np.int16) - 128).astype(np.int8)[None]
        it.set_tensor(inp["index"], q)
        it.invoke()
        correct += int(np.argmax(it.get_tensor(out["index"])[0]) == y)
    return correct / n
