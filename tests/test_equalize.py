"""qftune equalize (issue 12): float equivalence, spread, refusal, and the per-tensor payoff.

The equivalence references are built here independently of core.equalize: the input
model itself, or (DFQ replaces ReLU6 by ReLU between equalized layers) a Keras clone of
it whose listed ReLU6 layers are plain ReLUs.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from cli_kit import ROOT, run

BUNDLED = ROOT / "resources/models"


def qftune(*args, check=True):
    r = run(*args)
    if check:
        assert r.returncode == 0, r.stderr[-3000:]
    return r


def relu_twin(model, relu6_layers):
    """``model`` with the named ReLU6 layers as plain ReLU (keras.models.clone_model, same weights)."""
    import keras

    def clone(layer):
        cfg = layer.get_config()
        if layer.name in relu6_layers:
            if type(layer).__name__ == "ReLU":
                cfg["max_value"] = None
            else:
                cfg["activation"] = "relu"
        return type(layer).from_config(cfg)

    twin = keras.models.clone_model(model, clone_function=clone)
    twin.set_weights(model.get_weights())
    return twin


def rel(y, ref):
    return float(np.max(np.abs(np.asarray(y, np.float64) - ref)) / np.max(np.abs(ref)))


@pytest.fixture(scope="module")
def eval_images():
    from core.data import load_dataset

    return load_dataset("embedded:eval", default_split="test")


def _inputs(model, images):
    from core.data import to_model_input

    return to_model_input(images, model.input_shape)


@pytest.mark.parametrize("name", ["mobilenet_v2_orig_fmnist", "mobilenet_v2_qf_fmnist"])
def test_equalized_bundled_model_computes_the_same_function(name, tmp_path, eval_images):
    from core.models.loading import load_model

    src = BUNDLED / f"{name}.keras"
    out = tmp_path / f"{name}_eq.keras"
    report = json.loads(qftune("equalize", src, "--out", out, "--json", "--check-images", 64).stdout)
    assert out.exists() and (tmp_path / f"{name}_eq.dfq.json").exists()
    card = json.loads((tmp_path / f"{name}_eq.json").read_text())
    assert card["input_convention"]["scale"] == [pytest.approx(1 / 255)]

    original, eq = load_model(src), load_model(out)
    assert not any(type(layer).__name__ == "BatchNormalization" for layer in eq.layers)   # BN folded
    x = _inputs(original, eval_images.images[:500])
    twin = relu_twin(original, set(report["relu6_replaced_by_relu"]))
    y_ref = np.asarray(twin.predict(x, verbose=0), np.float64)
    y_eq = np.asarray(eq.predict(x, verbose=0), np.float64)
    assert rel(y_eq, y_ref) < 1e-4
    assert report["check"]["max_rel_diff_vs_relu_reference"] < 1e-4
    assert len(report["pairs"]) >= 17                         # every dw->pw pair at least
    if name.endswith("qf_fmnist"):                            # QF: ReLU only -> exactly the input model
        assert report["relu6_replaced_by_relu"] == []
    else:                                                     # the replacement itself, measured and reported
        assert len(report["relu6_replaced_by_relu"]) == 35
        assert report["check"]["relu6_to_relu_max_rel_diff"] > 1e-4
    # every depthwise layer within 2x after CLE (the target) on the bundled models
    dw = [r for r in report["spread"] if r["type"] == "DepthwiseConv2D"]
    assert len(dw) == 17 and all(r["spread_after"] <= 2.0 for r in dw), [(r["layer"], r["spread_after"]) for r in dw]
    assert report["depthwise_over_target"] == []


def test_relu6_keep_is_exact_against_the_input_model(tmp_path, eval_images):
    from core.models.loading import load_model

    src = BUNDLED / "mobilenet_v2_orig_fmnist.keras"
    out = tmp_path / "keep.keras"
    report = json.loads(qftune("equalize", src, "--out", out, "--relu6", "keep", "--json",
                               "--check-images", 16).stdout)
    assert report["relu6_replaced_by_relu"] == []
    assert {p["activation"] for p in report["pairs"]} == {"linear"}     # only the project->expand pairs remain
    original, eq = load_model(src), load_model(out)
    x = _inputs(original, eval_images.images[:300])
    assert rel(eq.predict(x, verbose=0), np.asarray(original.predict(x, verbose=0), np.float64)) < 1e-4


def test_output_over_input_is_refused_and_nothing_changes(tmp_path):
    src = tmp_path / "m.keras"
    src.write_bytes((BUNDLED / "mobilenet_v2_qf_fmnist.keras").read_bytes())
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    for out in (src, tmp_path / "." / "m.keras"):
        r = qftune("equalize", src, "--out", out, check=False)
        assert r.returncode == 2 and "refusing to overwrite the input" in r.stderr, r.stderr
    r = qftune("equalize", src, "--out", tmp_path / "m.h5", check=False)
    assert r.returncode == 2 and ".keras" in r.stderr
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


def test_keras_applications_mobilenet_v2_is_equalized(eval_images):
    """CLE needs only the Keras graph: keras.applications MobileNetV2 (weights=None, 96 px, ZeroPadding2D
    before the stride-2 depthwise convs), with non-trivial BN statistics so that folding matters."""
    import keras

    from core.data.preprocess import adapt_images
    from core.equalize import equalize_model

    keras.utils.set_random_seed(1)
    m = keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35, weights=None)
    rng = np.random.default_rng(0)
    for layer in m.layers:
        if type(layer).__name__ == "BatchNormalization":
            n = layer.get_weights()[0].size
            layer.set_weights([rng.uniform(0.2, 3, n), rng.normal(0, 0.5, n), rng.normal(0, 0.5, n),
                               rng.uniform(0.5, 2, n)])
    r = equalize_model(m)
    assert len(r.pairs) == 37 and len(r.relu6_replaced) == 35
    assert any(p.padded for p in r.pairs)                  # pairs through ZeroPadding2D
    x = (adapt_images(eval_images.images[:24], 96, 3).astype("float32") / 127.5 - 1).astype("float32")
    twin = relu_twin(m, set(r.relu6_replaced))
    ref = np.asarray(twin.predict(x, verbose=0), np.float64)
    assert rel(r.model.predict(x, verbose=0), ref) < 1e-4
    before = {row["layer"]: row for row in r.spread if row["type"] == "DepthwiseConv2D"}
    assert all(row["spread_after"] < row["spread_before"] for row in before.values())


@pytest.mark.slow   # calibrates, exports and evaluates the bundled model three times (the suite's longest test)
def test_cle_rescues_per_tensor_int8_of_a_model_with_100x_channels(tmp_path, eval_images):
    """The bundled QF MobileNetV2 with one channel of every depthwise conv (kernel and bias) x100 and
    the matching input channel of the next pointwise conv /100: the same float function, but one int8
    range per tensor must now cover a 100x channel. Without CLE per-tensor int8 collapses; after
    ``qftune equalize`` it is within 1 pp of per-channel and of float."""
    from core.calibrate import calibrate
    from core.evaluate import evaluate
    from core.export import export_int8
    from core.models.loading import load_model

    m = load_model(BUNDLED / "mobilenet_v2_qf_fmnist.keras")
    for i in range(17):
        dw, pw = m.get_layer(f"block{i}_dw"), m.get_layer(f"block{i}_project")
        k, b = dw.get_weights()
        k[:, :, 0, :] *= 100.0
        b[0] *= 100.0
        dw.set_weights([k, b])
        pk = pw.get_weights()
        pk[0][:, :, 0, :] /= 100.0
        pw.set_weights(pk)
    src, out = tmp_path / "skewed.keras", tmp_path / "skewed_eq.keras"
    m.save(src)
    report = json.loads(qftune("equalize", src, "--out", out, "--json", "--check-images", 64).stdout)
    dw_rows = [r for r in report["spread"] if r["type"] == "DepthwiseConv2D"]
    assert all(r["spread_before"] > 40 and r["spread_after"] <= 2.0 for r in dw_rows)
    assert report["check"]["max_rel_diff_vs_input"] < 1e-4

    top1 = {"float": evaluate(src, dataset=eval_images).top1}
    for label, path, weights in (("plain per-tensor", src, "per-tensor"), ("cle per-tensor", out, "per-tensor"),
                                 ("cle per-channel", out, "per-channel")):
        session = calibrate(path, "embedded")
        tfl = tmp_path / f"{label.replace(' ', '_')}.tflite"
        rep = export_int8(load_model(path), session.plan.tensors, session.plan.ranges(), tfl,
                          weights=weights)
        assert rep.verification["ok"]
        top1[label] = evaluate(tfl, dataset=eval_images).top1
    assert top1["float"] - top1["plain per-tensor"] > 0.05, top1          # measurably worse without CLE
    assert abs(top1["cle per-channel"] - top1["cle per-tensor"]) <= 0.01, top1
    assert top1["float"] - top1["cle per-tensor"] <= 0.01, top1
