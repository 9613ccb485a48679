"""evaluate / the device path feed a .tflite through its input convention (report, int8 range, or the user's)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from core.models.convention import PIXEL_01, PIXEL_PM1, InputConvention


def test_int8_input_range_gives_the_convention():
    from core.models.convention import quantized_input_convention

    c = quantized_input_convention({"dtype": np.int8, "quantization": (1 / 255, -128)})
    assert c.input_range == pytest.approx((0.0, 1.0)) and c.scale[0] == pytest.approx(1 / 255)
    c = quantized_input_convention({"dtype": np.int8, "quantization": (2 / 255, 0)})
    assert c.input_range == pytest.approx((-128 * 2 / 255, 127 * 2 / 255))
    assert quantized_input_convention({"dtype": np.float32, "quantization": (0.0, 0)}) is None


def test_device_images_make_run_eval_feed_the_host_int8_values():
    """run_eval feeds an int8 model ``pixel' - 128``: the written pixels must give the host's quantized input."""
    from core.device.accuracy import ModelInput

    p = np.arange(256, dtype=np.uint8).reshape(1, 16, 16, 1)
    pixel01 = ModelInput(16, 16, 1, "int8", 1 / 255, -128)
    np.testing.assert_array_equal(pixel01.tool_pixels(p, PIXEL_01), p)          # pixel/255: unchanged
    pm1 = ModelInput(16, 16, 1, "int8", 2 / 255, 0)
    fed = pm1.tool_pixels(p, PIXEL_PM1).astype(np.int16) - 128
    host = np.clip(np.rint(PIXEL_PM1.apply(p) / np.float32(2 / 255)), -128, 127)
    np.testing.assert_array_equal(fed, host)
    assert pm1.device_eval_problem(PIXEL_PM1) is None
    flt = ModelInput(16, 16, 3, "float32", 0.0, 0)
    assert flt.device_eval_problem(PIXEL_PM1) is None and "float-input" in flt.device_eval_problem(PIXEL_01)


def test_evaluate_uses_the_report_convention_then_the_user_override(exported_pc, eval_small, tmp_path, capsys):
    from core.cli import main
    from core.evaluate import evaluate

    path, _ = exported_pc
    recorded = evaluate(path, dataset=eval_small.limit(16))      # the export report beside it says pixel/255
    assert recorded.input_convention["source"] == "export report"
    assert recorded.input_convention["scale"][0] == pytest.approx(1 / 255)

    copy = tmp_path / "m_int8.tflite"
    shutil.copy(path, copy)                                       # no report: from the int8 input's range
    derived = evaluate(copy, dataset=eval_small.limit(16))
    assert derived.input_convention["source"] == "input quantization"
    assert derived.input_convention["scale"][0] == pytest.approx(1 / 255)
    np.testing.assert_array_equal(derived.predictions, recorded.predictions)
    halved = InputConvention((0.5 / 255,), (0.0,), "half", "card")
    report = {"input_convention": halved.to_dict()}
    (tmp_path / "m_int8.export.json").write_text(json.dumps(report))
    from_report = evaluate(copy, dataset=eval_small.limit(16))
    assert from_report.input_convention["name"] == "half" and from_report.input_convention["source"] == "export report"
    assert from_report.top1 != derived.top1 or not np.array_equal(from_report.predictions, derived.predictions)

    capsys.readouterr()
    assert main(["evaluate", str(copy), "--limit", "16", "--input-scale", str(1 / 255), "--input-offset", "0",
                 "--json"]) == 0
    user = json.loads(capsys.readouterr().out)
    assert user["input_convention"]["source"] == "user"
    assert user["top1"] == derived.top1
    assert main(["evaluate", str(copy), "--input-scale", "1", "--mean", "127.5"]) != 0
    assert "--input-scale/--input-offset or --mean/--std, not both" in capsys.readouterr().err
