"""Bias correction at export (issue 12): the int8 model's pre-activation means move toward float's.

Measured on real images through the path a user takes: ``qftune export S.qft --bias-correction``
writes a verified .tflite; LiteRT reads the int8 outputs of every linear-activation conv
(the project convs and the logits: there the stored tensor *is* the pre-activation) on the
embedded evaluation images, which calibration never saw; float means come from Keras.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_kit import ROOT, run

SESSION = ROOT / "resources/sessions/mobilenet_v2_orig_fmnist.qft"


def qftune(*args):
    r = run(*args)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


def test_clipped_normal_expectation_matches_sampling():
    from core.equalize.preact import expected_clipped

    rng = np.random.default_rng(0)
    mean, std = np.array([-1.0, 0.3, 2.0, 5.5, 1.0]), np.array([0.5, 1.0, 2.0, 1.5, 0.0])
    z = rng.standard_normal((400_000, 1))
    x = mean + std * z
    np.testing.assert_allclose(expected_clipped(mean, std), np.maximum(x, 0).mean(0), atol=6e-3)
    np.testing.assert_allclose(expected_clipped(mean, std, 0, 6), np.clip(x, 0, 6).mean(0), atol=6e-3)


def _linear_means(tflite, tensors, x):
    from core.export.export import ExportReport, report_path
    from core.export.litert import dequantize, load_interpreter, quantize_input

    idx = ExportReport.load(report_path(tflite)).tflite_index
    it = load_interpreter(tflite, preserve_all=True)
    inp = it.get_input_details()[0]
    det = {d["index"]: d for d in it.get_tensor_details()}
    sums = [0.0] * len(tensors)
    for i in range(len(x)):
        it.set_tensor(inp["index"], quantize_input(x[i:i + 1], inp))
        it.invoke()
        for j, t in enumerate(tensors):
            d = det[idx[t.name]]
            a = dequantize(it.get_tensor(d["index"]), *d["quantization"]).astype(np.float64)
            sums[j] = sums[j] + a.reshape(-1, a.shape[-1]).mean(0)
    return [s / len(x) for s in sums]


def test_bias_correction_moves_int8_preactivation_means_toward_float(tmp_path):
    import keras

    from core.data import load_dataset, to_model_input
    from core.models.loading import load_model
    from core.session import Session

    outs = {}
    for mode in ("none", "analytic", "empirical"):
        outs[mode] = tmp_path / f"orig_pt_{mode}.tflite"
        rep = json.loads(qftune("export", SESSION, "--out", outs[mode], "--weights", "per-tensor",
                                "--bias-correction", mode, "--json"))
        assert rep["verification"]["ok"]                       # every scale, bias scale = input x weight included
        if mode == "none":
            assert rep["bias_correction"] is None
            continue
        bc = rep["bias_correction"]
        assert bc["mode"] == mode and bc["images"] == 100 and bc["not_corrected"] == []
        assert len(bc["layers"]) == 53                        # 35 conv + 17 depthwise + logits
        sources = {r["layer"]: r["source"] for r in bc["layers"]}
        if mode == "analytic":                                # the stem reads the image: no BN statistics there
            assert sources["stem"] == "empirical" and sum(s == "analytic" for s in sources.values()) == 52
        else:
            assert set(sources.values()) == {"empirical"}
        before = sum(r["mean_abs_shift_before"] for r in bc["layers"])
        after = sum(r["mean_abs_shift_after"] for r in bc["layers"])
        assert after < 0.25 * before, (before, after)

    session = Session.load(SESSION)
    model = load_model(session.model_path)
    linear = [t for t in session.plan.tensors
              if t.op in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED") and t.activation == "linear"]
    x = to_model_input(load_dataset("embedded:eval", default_split="test").images[:200], model.input_shape)
    probe = keras.Model(model.inputs, [model.get_layer(t.output_layer).output for t in linear])
    flt = [np.asarray(o, np.float64).reshape(-1, o.shape[-1]).mean(0) for o in probe.predict(x, verbose=0)]
    gap = {}
    for mode, path in outs.items():
        means = _linear_means(path, linear, x)
        gap[mode] = np.array([np.mean(np.abs(m - f)) for m, f in zip(means, flt, strict=True)])
    assert gap["empirical"].sum() < 0.85 * gap["none"].sum(), {k: v.sum() for k, v in gap.items()}
    assert np.mean(gap["empirical"] < gap["none"]) >= 0.8
    assert gap["analytic"].sum() < gap["none"].sum(), {k: v.sum() for k, v in gap.items()}


def test_analytic_correction_of_an_equalized_model_reads_its_dfq_json(tmp_path):
    """BN is folded away by ``qftune equalize``; its statistics (scaled by CLE) live on in the .dfq.json."""
    from core.calibrate import calibrate
    from core.equalize import equalize_model
    from core.equalize.preact import load_sidecar_stats
    from core.equalize.write import write_result
    from core.export import export_int8
    from core.models.loading import load_model

    src = ROOT / "resources/models/mobilenet_v2_orig_fmnist.keras"
    out = tmp_path / "orig_eq.keras"
    write_result(equalize_model(load_model(src)), src, out)
    stats = load_sidecar_stats(out)
    assert len(stats) == 52
    session = calibrate(out, "embedded")
    rep = export_int8(load_model(out), session.plan.tensors, session.plan.ranges(),
                      tmp_path / "eq.tflite", weights="per-tensor", bias_correction="analytic", preact_stats=stats)
    assert rep.verification["ok"]
    sources = [r["source"] for r in rep.bias_correction["layers"]]
    assert sources.count("analytic") == 52 and rep.bias_correction["not_corrected"] == ["stem"]
    with pytest.raises(ValueError, match="--bias-correction must be one of"):
        export_int8(load_model(out), session.plan.tensors, session.plan.ranges(),
                    tmp_path / "x.tflite", bias_correction="mean")
    assert not (tmp_path / "x.tflite").exists()
