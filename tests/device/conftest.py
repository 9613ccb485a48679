"""Fixtures: Debian's real adb server on a free port, a loopback Pixel 2 (adbd_emulator), the
stand-in tools, and small .tflite models (float and int8) made with the TFLite converter."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import standins  # noqa: E402
from adbd_emulator import FakePhone  # noqa: E402
from device_kit import ADB, adb, device_state, free_port, plug, wait_state  # noqa: E402,F401
from device_kit import adb_server as running_adb_server  # noqa: E402


@pytest.fixture(scope="session")
def adb_server(tmp_path_factory):
    if ADB is None:
        pytest.skip("Debian's adb is not installed")
    with running_adb_server(tmp_path_factory.mktemp("adb-home")) as port:
        yield port


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
