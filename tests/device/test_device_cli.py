"""``qftune devices`` and ``qftune deploy`` as a user runs them (in-process CLI, real adb server, emulated phone)."""

from __future__ import annotations

import json

import pytest
from adbd_emulator import FakePhone
from device_kit import adb, plug

from cli_kit import run as qftune


@pytest.mark.timeout(60)
def test_devices_json_and_text(phone):
    run = qftune("devices", "--json")
    assert run.returncode == 0, run.stderr
    listed = {d["serial"]: d for d in json.loads(run.stdout)}
    assert listed[phone.serial] == {"serial": phone.serial, "state": "device", "model": "Pixel 2", "android": "11",
                                    "abi": "arm64-v8a", "abilist": ["arm64-v8a", "armeabi-v7a", "armeabi"],
                                    "advice": ""}
    text = qftune("devices").stdout
    assert f"{phone.serial}\tdevice\tPixel 2\tAndroid 11\tarm64-v8a" in text


@pytest.mark.timeout(60)
def test_devices_shows_advice_for_an_unauthorized_phone(adb_server, tmp_path):
    locked = plug(FakePhone(tmp_path, unauthorized=True), want="unauthorized")
    try:
        text = qftune("devices").stdout
        assert f"{locked.serial}\tunauthorized\tUnlock the phone and accept the 'Allow USB debugging?'" in text
    finally:
        locked.kill()
        adb("disconnect", locked.serial)


@pytest.mark.timeout(180)
def test_deploy_json_report(phone, tools, tflite_models):
    run = qftune("deploy", tflite_models["float"], tflite_models["int8"], "--serial", phone.serial,
                 "--benchmark-tool", tools["benchmark"], "--eval-tool", tools["eval"], "--rounds", 2,
                 "--threads", 2, "--runs", 4, "--pin", "f0", "--eval-images", 30, "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["device"]["model"] == "Pixel 2" and report["budget_ms"] == 30.0
    int8 = report["models"][tflite_models["int8"].stem]
    assert len(int8["latency_ms"]) == 2 and all(v > 0 for v in int8["latency_ms"])
    assert int8["rounds"][0]["count"] == 4 and "raw" not in int8["rounds"][0]
    assert int8["accuracy"]["num_runs"] == 30 and 0 <= int8["accuracy"]["top1"] <= 1
    assert report["models"]["tiny_float"]["accuracy"] is None
    # each round was printed as it arrived (progress goes to stderr with --json)
    printed = [line for line in run.stderr.splitlines() if line.startswith("round ") and " avg " in line]
    assert [line.split()[1] for line in printed] == ["1/2", "1/2", "2/2", "2/2"]


@pytest.mark.timeout(120)
def test_deploy_text_and_errors(phone, tools, tflite_models):
    run = qftune("deploy", tflite_models["int8"], "--benchmark-tool", tools["benchmark"], "--rounds", 1, "--runs", 2)
    assert run.returncode == 0, run.stderr
    assert "device 127.0.0.1:" in run.stdout and "Pixel 2, Android 11, arm64-v8a" in run.stdout
    assert "round 1/1" in run.stdout and "within 30 ms budget" in run.stdout
    assert "accuracy" in run.stdout and "not measured: no run_eval tool given" in run.stdout
    bad = qftune("deploy", tflite_models["int8"], "--benchmark-tool", tools["x86"])
    assert bad.returncode == 2 and "[abi]" in bad.stderr and "built for x86_64" in bad.stderr
    missing = qftune("deploy", tflite_models["int8"], "--serial", "nosuch", "--benchmark-tool", tools["benchmark"])
    assert missing.returncode == 2 and "[not-found] device nosuch is not connected" in missing.stderr
