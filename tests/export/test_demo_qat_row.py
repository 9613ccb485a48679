"""qftune demo's QAT row (issue 24): the recorded bench_qat result of the bundled original MobileNetV1, shown
under the ablation table, in summary.json and in report.html, labelled as recorded (the demo never re-runs a
fine-tune), with the command that measured it; the record's figures agree with themselves and its command."""

import json

import pytest

from cli_kit import run


def _record() -> dict:
    from core.resources import resource_path

    return json.loads(resource_path("qat_recorded.json").read_text())


def test_the_record_is_a_bench_qat_run_on_the_full_test_set():
    rec = _record()
    acc, drop = rec["accuracy"], rec["drop_pp"]
    assert rec["command"].startswith("PYTHONPATH=. .venv/bin/python bench/bench_qat.py")
    assert rec["eval"].endswith("all 10,000") and rec["weights"] == "per-tensor"
    assert rec["model"].endswith("mobilenet_v1_orig_fmnist.keras")
    assert drop["ptq"] == pytest.approx(100 * (acc["float"] - acc["ptq_int8"]), abs=0.006)
    assert drop["qat"] == pytest.approx(100 * (acc["float"] - acc["qat_int8"]), abs=0.006)
    ft = rec["finetune"]
    assert ft["images_seen"] == ft["epochs"] * ft["steps_per_epoch"] * ft["batch"]
    assert ft["data_check"].startswith("no training image is in the evaluation split"), ft["data_check"]


@pytest.mark.slow
def test_demo_shows_the_recorded_qat_row_under_the_bundled_original(tmp_path):
    from core.resources import resource_path

    v1 = resource_path("models/mobilenet_v1_orig_fmnist.keras")
    out = tmp_path / "demo"
    r = run("demo", "--quick", "--out", out, "--models", resource_path("models/mobilenet_v2_qf_fmnist.keras"),
            resource_path("models/mobilenet_v2_orig_fmnist.keras"), "--no-dfq", "--no-plots", "--eval-images", 20,
            "--ablation-models", f"MobileNetV1 orig={v1}")
    assert r.returncode == 0, r.stderr[-3000:]
    rec = _record()
    line = next(x.strip() for x in r.stdout.splitlines() if "+ QAT" in x)
    assert "recorded, not re-run" in line and rec["command"] in line
    assert f"{100 * rec['accuracy']['qat_int8']:.2f}" in line and f"{100 * rec['accuracy']['ptq_int8']:.2f}" in line
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ablation"]["qat_recorded"] == rec
    assert "recorded, not re-run" in (out / "report.html").read_text()
