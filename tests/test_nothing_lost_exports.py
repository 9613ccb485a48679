"""Issue 10: exports carry their checksums and the model they came from; NaN weights are named at load."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nothing_lost_kit import clean_error, copy_of, exports, flip_byte, qftune, workspace


@pytest.fixture(scope="module")
def ex(tmp_path_factory):
    return exports(tmp_path_factory)


def test_the_export_report_records_the_file_float_twin_and_model_hashes(ex):
    from core.checksum import sha256_file

    rep = json.loads(ex["qf_int8"].with_name("qf_int8.export.json").read_text())
    assert rep["sha256"] == sha256_file(ex["qf_int8"])
    assert rep["float_sha256"] == sha256_file(ex["qf_float"])
    assert rep["model_sha256"] == sha256_file(ex["qf_model"])


def test_compare_refuses_an_int8_file_exported_from_another_model(ex):
    out = qftune("compare", ex["qf_session"], ex["orig_int8"], "-k", "2")
    clean_error(out, "orig_int8.tflite was exported from", "mobilenet_v2_orig_fmnist.keras",
                "not from", "mobilenet_v2_qf_fmnist.keras")
    assert "SQNR" not in out.stdout


def test_evaluate_reference_refuses_a_float_model_the_file_was_not_exported_from(ex):
    out = qftune("evaluate", ex["qf_int8"], "--reference", ex["orig_model"], "--limit", "8")
    clean_error(out, "qf_int8.tflite was exported from", "not from", "mobilenet_v2_orig_fmnist.keras")
    ok = qftune("evaluate", ex["qf_int8"], "--reference", ex["qf_model"], "--limit", "8")
    assert ok.returncode == 0 and "agreement" in ok.stdout, ok.stderr


@pytest.mark.parametrize("which", ["qf_int8", "qf_float"])
def test_a_byte_flipped_in_an_export_is_named_by_evaluate_compare_and_deploy(ex, tmp_path, which):
    bad = copy_of(ex[which], tmp_path)
    if which == "qf_float":   # the float twin is described by the int8 file's report
        copy_of(ex["qf_int8"], tmp_path)
    flip_byte(bad)
    clean_error(qftune("evaluate", bad, "--limit", "4"), f"{bad}: the file changed since it was exported")
    clean_error(qftune("deploy", bad, "--benchmark-tool", "/bin/true"), "changed since it was exported")
    if which == "qf_int8":
        clean_error(qftune("compare", ex["qf_session"], bad, "-k", "2"), "changed since it was exported")


def test_a_nan_weight_behind_a_relu_is_named_when_the_model_is_loaded(tmp_path):
    import keras

    _, model_path = workspace(tmp_path)
    model = keras.models.load_model(model_path, compile=False)
    layer = next(lay for lay in model.layers if lay.weights and "conv" in type(lay).__name__.lower())
    w = [np.array(a) for a in layer.get_weights()]
    w[0].flat[:3] = [np.nan, np.inf, np.nan]
    layer.set_weights(w)
    bad = tmp_path / "nan.keras"
    model.save(bad)
    for args in (["calibrate", bad, "--out", tmp_path / "s.qft", "--limit", "4"], ["evaluate", bad, "--limit", "4"]):
        clean_error(qftune(*args), "nan.keras", f"layer {layer.name}: 3 of", "NaN/Inf")
    assert not (tmp_path / "s.qft").exists()
