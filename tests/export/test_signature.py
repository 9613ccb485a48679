"""Every exported .tflite, the float twin included, carries a ``serving_default`` signature:
signature-based tools (``get_signature_runner``, litert-quantizer) refuse a model without one.
Its runner must compute exactly what ``invoke()`` does, and the int8 file still verifies."""

import json

import numpy as np

from cli_kit import run


def _interpreter(path):
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter(model_path=str(path))


def _by_invoke(path, x):
    interp = _interpreter(path)
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"]).copy()


def _by_signature(path, x):
    interp = _interpreter(path)
    assert interp.get_signature_list() == {"serving_default": {"inputs": ["image"], "outputs": ["output_0"]}}
    return interp.get_signature_runner("serving_default")(image=x)["output_0"].copy()


def test_the_int8_export_and_its_float_twin_run_through_serving_default(qf_session, tmp_path):
    out, float_out = tmp_path / "m_int8.tflite", tmp_path / "m_float.tflite"
    r = run("export", qf_session.path, "--out", out, "--float-out", float_out, "--weights", "per-tensor")
    assert r.returncode == 0, r.stderr
    assert json.loads(out.with_name("m_int8.export.json").read_text())["verification"]["ok"]
    rng = np.random.default_rng(0)
    for path, dtype in ((out, np.int8), (float_out, np.float32)):
        detail = _interpreter(path).get_input_details()[0]
        assert np.dtype(detail["dtype"]) == dtype
        x = rng.integers(-128, 128, detail["shape"], dtype=np.int8) if dtype == np.int8 else \
            rng.random(detail["shape"], dtype=np.float32)
        expected, got = _by_invoke(path, x), _by_signature(path, x)
        assert got.dtype == expected.dtype and got.shape == expected.shape and np.array_equal(got, expected), path.name
