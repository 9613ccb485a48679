"""Faults end the job with a specific error, leave qftune usable, and a retry works once fixed."""

from __future__ import annotations

import threading
import time

import pytest
import standins
from adbd_emulator import FakePhone
from device_kit import adb, plug, wait_state

from core.device import (
    AdbServerDied,
    BenchmarkConfig,
    CommandTimeout,
    DeviceLost,
    DeviceUnauthorized,
    MeasureConfig,
    NotEnoughSpace,
    ToolAbiMismatch,
    ToolFailed,
    ToolNoOutput,
    list_devices,
    measure,
)
from core.progress import Cancelled, Progress


def _config(phone, tools, tool="benchmark", rounds=1, **bench):
    return MeasureConfig(benchmark_tool=str(tools[tool]), serial=phone.serial, rounds=rounds,
                         bench=BenchmarkConfig(**{"runs": 3, **bench}))


def _measure_and_fault(models, config, fault):
    """Run measure(); call fault() when round 2's benchmark_model has started printing."""
    fired = threading.Event()

    def on_event(e):
        if e.kind == "log" and e.round == 2 and not fired.is_set():
            fired.set()
            fault()

    with pytest.raises(Exception) as info:
        measure(models, config, on_event=on_event)
    assert fired.is_set(), f"the fault was never injected; measure failed with {info.value!r}"
    return info.value


@pytest.mark.timeout(120)
def test_device_unplugged_mid_run_then_retry(phone, tools, tflite_models, sandbox):
    models = {"int8": str(tflite_models["int8"])}
    config = _config(phone, tools, rounds=3)
    t0 = time.monotonic()
    err = _measure_and_fault(models, config, phone.kill)
    assert isinstance(err, DeviceLost), repr(err)
    assert phone.serial in str(err) and "benchmark_model (int8, round 2)" in str(err)
    assert time.monotonic() - t0 < 30
    # the device comes back on the same address: the same job works again
    again = plug(FakePhone(sandbox, port=phone.port))
    try:
        report = measure(models, config)
        assert len(report.latency_ms("int8")) == 3 and all(report.latency_ms("int8"))
    finally:
        again.kill()


@pytest.mark.timeout(120)
def test_adb_server_killed_mid_run_then_retry(phone, tools, tflite_models):
    models = {"int8": str(tflite_models["int8"])}
    config = _config(phone, tools, rounds=2)
    err = _measure_and_fault(models, config, lambda: adb("kill-server"))
    assert isinstance(err, AdbServerDied), repr(err)
    assert "adb server" in str(err) and "stopped" in str(err)
    # retry: qftune starts the server again and reconnects the network device
    report = measure(models, config)
    assert len(report.latency_ms("int8")) == 2


@pytest.mark.timeout(60)
def test_crashing_tool(phone, tools, tflite_models):
    with pytest.raises(ToolFailed) as info:
        measure({"m": str(tflite_models["int8"])}, _config(phone, tools, tool="crash"))
    assert "status 139" in str(info.value) and "SIGSEGV" in str(info.value)
    assert "STARTING" in info.value.partial_output


@pytest.mark.timeout(60)
def test_tool_that_prints_nothing(phone, tools, tflite_models):
    with pytest.raises(ToolNoOutput, match="printed nothing"):
        measure({"m": str(tflite_models["int8"])}, _config(phone, tools, tool="silent"))


@pytest.mark.timeout(60)
def test_hanging_tool_times_out(phone, tools, tflite_models, tmp_path):
    hang = standins.write_standin(tmp_path / "benchmark_model", "import time\ntime.sleep(60)\n")
    config = _config(phone, {"benchmark": hang}, timeout_s=3)
    t0 = time.monotonic()
    with pytest.raises(CommandTimeout, match="did not finish within 3 s"):
        measure({"m": str(tflite_models["int8"])}, config)
    assert time.monotonic() - t0 < 20


@pytest.mark.timeout(60)
def test_full_disk_is_refused_before_pushing(phone, tools, tflite_models, sandbox):
    phone.free_kb_limit = 4  # df reports 4 KiB free: less than the tool alone
    with pytest.raises(NotEnoughSpace) as info:
        measure({"m": str(tflite_models["int8"])}, _config(phone, tools))
    assert "need" in str(info.value) and "4 KB free" in str(info.value) and "/data/local/tmp/qftune" in str(info.value)
    assert not (sandbox / "data/local/tmp/qftune/benchmark_model").exists()
    phone.free_kb_limit = 40_000_000  # space freed: retry works
    assert measure({"m": str(tflite_models["int8"])}, _config(phone, tools)).latency_ms("m")[0] > 0


@pytest.mark.timeout(60)
def test_unauthorized_device_then_accepted(adb_server, tools, tflite_models, sandbox):
    locked = plug(FakePhone(sandbox, unauthorized=True), want="unauthorized")
    try:
        listed = {d.serial: d for d in list_devices()}[locked.serial]
        assert listed.state == "unauthorized" and "Allow USB debugging" in listed.advice
        with pytest.raises(DeviceUnauthorized, match="not authorized this computer"):
            measure({"m": str(tflite_models["int8"])}, _config(locked, tools))
    finally:
        locked.kill()
    adb("disconnect", locked.serial)
    wait_state(locked.serial, None)
    accepted = plug(FakePhone(sandbox, port=locked.port))  # the user tapped "Allow"
    try:
        assert measure({"m": str(tflite_models["int8"])}, _config(accepted, tools)).latency_ms("m")[0] > 0
    finally:
        accepted.kill()
        adb("disconnect", accepted.serial)


@pytest.mark.timeout(60)
def test_tool_for_the_wrong_abi_is_refused(phone, tools, tflite_models):
    with pytest.raises(ToolAbiMismatch) as info:
        measure({"m": str(tflite_models["int8"])}, _config(phone, tools, tool="x86"))
    assert "x86_64" in str(info.value) and "arm64-v8a" in str(info.value) and "Pixel 2" in str(info.value)


@pytest.mark.timeout(60)
def test_cancel_mid_round_returns_quickly(phone, tools, tflite_models):
    progress = Progress()
    cancelled_at = []

    def on_event(e):
        if e.kind == "log" and "STARTING" in e.text:
            progress.cancel()
            cancelled_at.append(time.monotonic())

    config = _config(phone, tools, rounds=3, runs=100000)  # a round that would take minutes
    with pytest.raises(Cancelled):
        measure({"m": str(tflite_models["int8"])}, config, progress=progress, on_event=on_event)
    assert time.monotonic() - cancelled_at[0] < 3
    # the phone is still usable afterwards
    assert measure({"m": str(tflite_models["int8"])}, _config(phone, tools)).latency_ms("m")[0] > 0
