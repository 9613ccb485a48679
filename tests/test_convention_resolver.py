"""The one input-convention resolver (core.models.convention.resolve_convention): its order is
user, recorded (session / export report / float twin's int8 report / card), the model's own, pixel/255."""

import json

import numpy as np

from core.models.convention import PIXEL_01, PIXEL_PM1, InputConvention, resolve_convention

INT8_DETAIL = {"dtype": np.int8, "quantization": (2 / 255, 0)}     # covers [-256/255, 254/255]
FLOAT_DETAIL = {"dtype": np.float32, "quantization": (0.0, 0)}


def _report(tflite, convention, float_path=None):
    rep = {"input_convention": convention.to_dict()}
    if float_path is not None:
        rep["float_path"] = str(float_path)
    tflite.with_name(tflite.stem + ".export.json").write_text(json.dumps(rep))


def test_a_tflite_takes_user_then_its_report_then_its_int8_input_range(tmp_path):
    int8 = tmp_path / "m_int8.tflite"
    got = resolve_convention(model_path=int8, input_detail=INT8_DETAIL)
    assert got.source == "input quantization" and np.isclose(got.input_range[0], -256 / 255)
    _report(int8, PIXEL_PM1)
    assert resolve_convention(model_path=int8, input_detail=INT8_DETAIL).scale == PIXEL_PM1.scale
    user = InputConvention.from_scale_offset(0.5, 1.0)
    assert resolve_convention(model_path=int8, input_detail=INT8_DETAIL, user=user) is user


def test_a_float_twin_takes_its_int8_reports_convention_else_warns(tmp_path):
    int8, twin, other = tmp_path / "m_int8.tflite", tmp_path / "m_float.tflite", tmp_path / "x_float.tflite"
    _report(int8, PIXEL_PM1, float_path=twin)
    warnings = []
    got = resolve_convention(model_path=twin, input_detail=FLOAT_DETAIL, twin_of=int8, warn=warnings.append)
    assert (got.scale, got.offset, warnings) == (PIXEL_PM1.scale, PIXEL_PM1.offset, [])
    got = resolve_convention(model_path=other, input_detail=FLOAT_DETAIL, twin_of=int8, warn=warnings.append)
    assert got == PIXEL_01 and len(warnings) == 1 and "x_float.tflite" in warnings[0] and "pixel/255" in warnings[0]


def test_a_session_without_a_recorded_convention_is_pixel_over_255(tmp_path):
    from core.resources import RESOURCES
    from core.session import Session

    old = Session.load(RESOURCES / "sessions" / "mobilenet_v2_qf_fmnist.qft")
    # the bundled sessions now record theirs (pixel/255); a session written before conventions did not
    assert old.calibration["input_convention"]["scale"] == list(PIXEL_01.scale)
    del old.calibration["input_convention"]
    got = resolve_convention(session=old)
    assert (got.scale, got.offset, got.source) == (PIXEL_01.scale, PIXEL_01.offset, "default")
    old.calibration["input_convention"] = PIXEL_PM1.to_dict()
    assert resolve_convention(session=old).scale == PIXEL_PM1.scale
    user = InputConvention.from_mean_std(127.5, 127.5)
    assert resolve_convention(session=old, user=user) is user
