"""qftune → adbutils → Debian's adb server → emulated Pixel 2 adbd → stand-in tools → parsed readouts."""

from __future__ import annotations

import pytest
from device_kit import host_top1

from core.device import BenchmarkConfig, MeasureConfig, list_devices, measure


@pytest.mark.timeout(60)
def test_lists_the_emulated_pixel2_via_the_real_adb_server(phone):
    devices = {d.serial: d for d in list_devices()}
    info = devices[phone.serial]
    assert (info.state, info.model, info.android, info.abi) == ("device", "Pixel 2", "11", "arm64-v8a")
    assert "armeabi-v7a" in info.abilist and info.advice == ""


@pytest.mark.timeout(180)
def test_deploy_measures_rounds_and_accuracy(phone, tools, tflite_models, sandbox):
    events = []
    config = MeasureConfig(benchmark_tool=str(tools["benchmark"]), eval_tool=str(tools["eval"]), serial=phone.serial,
                           rounds=3, bench=BenchmarkConfig(threads=1, runs=5, warmup_runs=1, pin_mask="f0"),
                           eval_images=60)
    report = measure({"float": str(tflite_models["float"]), "int8": str(tflite_models["int8"])}, config,
                     on_event=events.append)
    rounds = [(e.model, e.round) for e in events if e.kind == "round"]
    assert rounds == [("float", 1), ("int8", 1), ("float", 2), ("int8", 2), ("float", 3), ("int8", 3)]
    for label in ("float", "int8"):
        lat = report.latency_ms(label)
        assert len(lat) == 3 and all(v is not None and 0 < v < 1000 for v in lat)
        assert report.rounds[label][0].count == 5
    # the live log streamed the tool's own lines before each round's result
    first_round = next(i for i, e in enumerate(events) if e.kind == "round")
    assert any(e.kind == "log" and "Inference timings in us" in e.text for e in events[:first_round])
    # files really landed on the "phone", names with quotes and spaces intact
    assert (sandbox / "data/local/tmp/qftune" / tflite_models["int8"].name).read_bytes() == tflite_models["int8"].read_bytes()
    # accuracy: measured on the device for the int8-input model, equal to the host's on the same images
    acc = report.accuracy["int8"]
    assert acc is not None and acc.num_runs == 60
    # within one image: the tool reads JPEGs (quality 100 is not lossless), and prints top-1 to 6 decimals
    assert abs(acc.top1 - host_top1(tflite_models["int8"], 60)) <= 1 / 60 + 1e-6
    assert acc.top1 > 0.3  # the tiny model learnt something; a wrong label order would give ~0.1
    # the float-input model is not fed what it expects by run_eval: no number, a reason
    assert report.accuracy["float"] is None and "float-input" in report.accuracy_notes["float"]
