"""Fixtures for the export / evaluate / compare / demo tests: small MobileNets whose
BatchNorm statistics are set from real images, so activations have realistic ranges
(an untrained net with default BN statistics has activations near 1e-9). The models, the session and the
per-channel export are built once per run and shared by the xdist workers (``shared_kit.built_once``)."""

from __future__ import annotations

import numpy as np
import pytest

from model_kit import data_init_bn
from shared_kit import built_once


def tiny_model(qf: bool, seed: int = 0):
    import keras

    from core.data import load_dataset, to_model_input
    from core.models import QFConfig, build

    keras.utils.set_random_seed(seed)
    m = build("mobilenet-v2", width=0.35, qf=QFConfig.full() if qf else QFConfig())
    calib = load_dataset("embedded")
    return data_init_bn(m, to_model_input(calib.images, m.input_shape))


def _model_once(tmp_path_factory, qf: bool):
    """``tiny_model(qf)`` built once per run (shared by the xdist workers) and read back from its .keras file
    as Keras saved it (not qftune's normalizing loader: the object is the one ``tiny_model`` built)."""
    import keras

    name = "tiny_qf" if qf else "tiny_orig"
    d = built_once(tmp_path_factory, f"export_{name}", lambda d: tiny_model(qf=qf).save(d / f"{name}.keras"))
    return keras.models.load_model(d / f"{name}.keras", compile=False)


@pytest.fixture(scope="session")
def qf_model(tmp_path_factory):
    return _model_once(tmp_path_factory, qf=True)


@pytest.fixture(scope="session")
def orig_model(tmp_path_factory):
    return _model_once(tmp_path_factory, qf=False)


@pytest.fixture(scope="session")
def eval_small():
    from core.data import load_dataset

    return load_dataset("embedded:eval").limit(64)


@pytest.fixture(scope="session")
def qf_session(qf_model, tmp_path_factory):
    """A calibrated (greedy) session of ``qf_model``, saved with the model next to it (built once per run)."""
    from core.session import Session

    def build_session(d):
        from core.calibrate import calibrate

        qf_model.save(d / "tiny_qf.keras")
        calibrate(str(d / "tiny_qf.keras"), "embedded", per_class=2).save(d / "tiny_qf.qft")

    return Session.load(built_once(tmp_path_factory, "export_qf_session", build_session) / "tiny_qf.qft")


@pytest.fixture(scope="session")
def exported_pc(qf_model, qf_session, tmp_path_factory):
    """The per-channel int8 export of ``qf_session`` with its float twin (path, report), built once per run."""
    from core.export import export_int8
    from core.export.report import ExportReport, report_path

    def export(d):
        plan = qf_session.plan
        out = d / "tiny_qf_int8.tflite"
        export_int8(qf_model, plan.tensors, plan.ranges(), out, weights="per-channel",
                    float_out=out.with_name("tiny_qf_float.tflite"))

    out = built_once(tmp_path_factory, "export_pc", export) / "tiny_qf_int8.tflite"
    return out, ExportReport.load(report_path(out))


@pytest.fixture
def session_file(qf_session, tmp_path):
    """A copy of the tiny QF session (its model found relative to the copy), for tests that edit it."""
    from core.session import Session

    path = tmp_path / "s.qft"
    Session.load(qf_session.path).save(path)
    return path


@pytest.fixture(scope="session")
def tflite_probs():
    """The dequantized outputs of a .tflite on ``x``, one image per invoke (as LiteRT runs it on the phone)."""
    def run(tflite, x):
        from core.export.litert import dequantize, load_interpreter, quantize_input

        interp = load_interpreter(str(tflite))
        d, o = interp.get_input_details()[0], interp.get_output_details()[0]
        out = []
        for img in x:
            interp.set_tensor(d["index"], quantize_input(img[None], d))
            interp.invoke()
            out.append(dequantize(interp.get_tensor(o["index"]), *o["quantization"])[0])
        return np.asarray(out)

    return run


@pytest.fixture(scope="session")
def logits_of():
    """The pre-softmax outputs of a model on ``x``."""
    import keras

    def run(model, x):
        inputs = model.inputs if len(model.inputs) > 1 else model.inputs[0]   # called with a tensor
        return np.asarray(keras.Model(inputs, model.get_layer("logits").output)(x, training=False))

    return run


@pytest.fixture(scope="session")
def init_bn():
    """:func:`data_init_bn`, for tests that build their own models (a fixture: test modules cannot import conftest)."""
    return data_init_bn
