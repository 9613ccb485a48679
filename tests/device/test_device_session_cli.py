"""``qftune deploy S.qft``: the CLI side of the GUI's Measure on Device (issue 21, phone in the loop): the
session's plan exported (verified) beside it, scored with LiteRT on the host and measured on the emulated
phone through the real adb server, both on the evaluation split of the data it was calibrated on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_kit import clean_error
from cli_kit import run as qftune

SESSION = Path(__file__).resolve().parents[2] / "resources" / "sessions" / "mobilenet_v2_qf_fmnist.qft"


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_deploy_session_exports_scores_on_host_and_measures_on_the_phone(phone, tools, tmp_path):
    from core.session import Session

    session = tmp_path / "s.qft"
    Session.load(SESSION).save(session)
    run = qftune("deploy", session, "--serial", phone.serial, "--benchmark-tool", tools["benchmark"],
                 "--eval-tool", tools["eval"], "--rounds", 2, "--runs", 3, "--eval-images", 50, "--json")
    assert run.returncode == 0, run.stderr
    rec = json.loads(run.stdout)
    tflite = tmp_path / "s_measured_int8.tflite"
    assert rec["tflite"] == str(tflite) and tflite.is_file()
    h, d = rec["host_litert"], rec["device"]
    assert h["data"] == "embedded:eval" and h["images"] == 50 and h["latency_ms"] > 0
    assert d["serial"] == phone.serial and d["model"] == "Pixel 2" and d["rounds"] == 2 and d["latency_ms"] > 0
    assert d["images"] == 50 and d["top1"] == pytest.approx(h["top1"], abs=1 / 50 + 1e-9)
    assert h["top1"] > 0.5                                            # the bundled model is trained
    text = qftune("deploy", session, "--serial", phone.serial, "--benchmark-tool", tools["benchmark"],
                  "--rounds", 1, "--runs", 2, "--eval-images", 20)
    assert text.returncode == 0, text.stderr
    assert f"wrote {tflite}" in text.stdout and "host LiteRT: top-1" in text.stdout
    assert f"device Pixel 2 ({phone.serial})" in text.stdout and "top-1 not measured" in text.stdout


def test_deploy_refuses_a_session_beside_other_models(tmp_path, tools):
    clean_error(qftune("deploy", SESSION, tmp_path / "m.tflite", "--benchmark-tool", tools["benchmark"]),
                "a session is measured on its own")
