"""Layers beyond the MobileNet blocks, each exported through the real converter and verified bit-exactly.

What the TF 2.21 converter emits (read back with LiteRT), which the plan must mirror:
a ReLU after an op with other consumers is its own RELU/RELU6 op; Activation('hard_sigmoid')
is ADD(+3, fused RELU6) then MUL(1/6); hard_silu one HARD_SWISH; sigmoid/tanh LOGISTIC/TANH
with fixed output scales; GlobalMaxPooling2D a REDUCE_MAX sharing its input's scale;
Rescaling/Normalization a 1x1 DEPTHWISE_CONV_2D; keras-op arithmetic ADD/MUL.
"""

from __future__ import annotations

import numpy as np
import pytest


def _model():
    import keras

    keras.utils.set_random_seed(3)
    inp = keras.Input((16, 16, 3), name="pixels")
    x = keras.layers.Normalization(mean=[120.0, 110.0, 100.0], variance=[3600.0, 2500.0, 4900.0], name="norm")(inp)
    c = keras.layers.Conv2D(8, 3, padding="same", name="conv")(x)
    r = keras.layers.ReLU(name="relu_alone")(c)              # conv has two consumers: not fusable
    r6 = keras.layers.ReLU(6.0, name="relu6_alone")(c)
    a = keras.layers.Add(name="sum")([r, r6])
    hs = keras.layers.Activation("hard_sigmoid", name="hsig")(a)
    hw = keras.layers.Activation("hard_silu", name="hswish")(a)
    m = keras.layers.Multiply(name="mul")([hs, hw])
    t = keras.layers.Activation("tanh", name="tanh")(m)
    g = keras.layers.GlobalMaxPooling2D(name="gmax")(t)
    d = keras.layers.Dropout(0.3, name="drop")(g)
    y = keras.layers.Dense(4, name="logits")(d)
    y = y * 0.5 + 1.0                                         # keras-op arithmetic
    out = keras.layers.Activation("sigmoid", name="prob")(y)
    return keras.Model(inp, out)


def test_every_layer_kind_exports_with_the_plans_scales(tmp_path):
    from core.calib.collect import collect_stats
    from core.export import export_int8
    from core.models.normalize import normalize
    from core.plan import Plan
    from core.quant.tensors import quant_tensors

    model = normalize(_model())
    tensors = quant_tensors(model)
    kinds = {t.name: t.op for t in tensors}
    assert kinds["norm"] == "RESCALE" and kinds["relu_alone"] == "RELU" and kinds["relu6_alone"] == "RELU6"
    assert kinds["hsig_add"] == "ADD" and kinds["hsig"] == "MUL" and kinds["hswish"] == "HARD_SWISH"
    assert kinds["tanh"] == "TANH" and kinds["prob"] == "LOGISTIC" and kinds["gmax"] == "REDUCE_MAX"
    by = {t.name: t for t in tensors}
    assert by["gmax"].group == by["tanh"].group and by["hsig_add"].activation == "relu6"
    assert "drop" not in kinds
    images = np.random.default_rng(0).integers(0, 256, (16, 16, 16, 3), dtype=np.uint8)
    from core.models.convention import PIXEL_RAW

    hists, _ = collect_stats(model, tensors, images, convention=PIXEL_RAW)
    plan = Plan(tensors, hists, method="minmax", input_range=PIXEL_RAW.input_range)
    report = export_int8(model, tensors, plan.ranges(), tmp_path / "m.tflite",
                         float_out=tmp_path / "f.tflite")
    assert report.verification["ok"]
    ops = report.ops
    assert ops["RELU"] == 1 and ops["RELU6"] == 1 and ops["HARD_SWISH"] == 1 and ops["TANH"] == 1
    assert ops["LOGISTIC"] == 1 and ops["REDUCE_MAX"] == 1 and ops["DEPTHWISE_CONV_2D"] == 1
    stored = {t["name"]: (t["stored_scale"], t["stored_zero_point"]) for t in report.tensors}
    assert stored["tanh"] == (pytest.approx(1 / 128, rel=0, abs=0), 0)
    assert stored["prob"] == (1 / 256, -128)
    # the float twin computes the Keras model (Normalization as a depthwise conv included)
    from core.export.litert import load_interpreter

    x = PIXEL_RAW.apply(images[:1])
    interp = load_interpreter(tmp_path / "f.tflite")
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    got = interp.get_tensor(interp.get_output_details()[0]["index"])
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=1e-5)


def test_nested_functional_model_is_flattened_with_the_same_function():
    import keras

    from core.models.normalize import normalize

    keras.utils.set_random_seed(0)
    inp = keras.Input((12, 12, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="c1")(inp)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    base = keras.Model(inp, x, name="base")
    head = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax", name="fc")], name="head")
    outer_in = keras.Input((12, 12, 3), name="image_in")
    model = keras.Model(outer_in, head(base(outer_in)))
    flat = normalize(model)
    names = [layer.name for layer in flat.layers]
    assert names == ["image_in", "c1", "gap", "fc", "fc_softmax"]
    x = np.random.default_rng(1).normal(size=(2, 12, 12, 3)).astype(np.float32)
    np.testing.assert_allclose(flat.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_relu_after_pooling_and_a_softmax_layer_head(tmp_path):
    """A ReLU after MEAN is its own RELU op; the Softmax layer is SOFTMAX at 1/256, -128; Flatten a RESHAPE."""
    import keras

    from core.calib.collect import collect_stats
    from core.export import export_int8
    from core.models.convention import PIXEL_PM1
    from core.plan import Plan
    from core.quant.tensors import quant_tensors

    keras.utils.set_random_seed(5)
    inp = keras.Input((16, 16, 3), name="x")
    x = keras.layers.Conv2D(8, 3, strides=2, name="conv")(inp)
    x = keras.layers.GlobalAveragePooling2D(keepdims=True, name="gap")(x)
    x = keras.layers.ReLU(name="after_gap")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = keras.layers.Dense(5, name="fc")(x)
    model = keras.Model(inp, keras.layers.Softmax(name="probs")(x))
    tensors = quant_tensors(model)
    assert [t.op for t in tensors] == ["INPUT", "CONV_2D", "MEAN", "RELU", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]
    images = np.random.default_rng(1).integers(0, 256, (8, 16, 16, 3), dtype=np.uint8)
    hists, _ = collect_stats(model, tensors, images, convention=PIXEL_PM1)
    plan = Plan(tensors, hists, input_range=PIXEL_PM1.input_range)
    report = export_int8(model, tensors, plan.ranges(), tmp_path / "m.tflite")
    assert report.verification["ok"] and report.ops["RELU"] == 1 and report.ops["SOFTMAX"] == 1
    assert next(t for t in report.tensors if t["name"] == "probs")["stored_scale"] == 1 / 256
