"""The calibration pass on a real Keras model: one pass, exact counts, NaN and shape errors."""

from __future__ import annotations

import numpy as np
import pytest

from core.calib.collect import CalibrationError, collect_stats
from core.calib.histogram import NonFiniteError
from core.quant.tensors import quant_tensors


def _small_model():
    import keras

    inp = keras.Input((12, 12, 1), name="image")
    x = keras.layers.Conv2D(4, 3, name="conv")(inp)
    x = keras.layers.ReLU(name="conv_relu")(x)
    x = keras.layers.MaxPooling2D(name="pool")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(3, name="logits")(x)
    out = keras.layers.Softmax(name="softmax")(x)
    return keras.Model(inp, out)


def test_one_pass_collects_every_tensor_with_exact_counts(tiny_qf_v2, rng):
    images = rng.integers(0, 256, (7, 28, 28, 1), dtype=np.uint8)
    tensors = quant_tensors(tiny_qf_v2)
    hists, meta = collect_stats(tiny_qf_v2, tensors, images, bins=512, batch_size=3)
    assert set(hists) == {t.name for t in tensors} and meta["n_images"] == 7
    for t in tensors:
        assert hists[t.name].total == 7 * int(np.prod(t.shape)), t.name
    img = hists["image"] if "image" in hists else hists[tensors[0].name]
    assert img.min == images.min() / 255.0 and img.max == pytest.approx(images.max() / 255.0)


def test_statistics_match_the_layer_outputs(rng):
    import keras

    model = _small_model()
    tensors = quant_tensors(model)
    images = rng.integers(0, 256, (5, 12, 12, 1), dtype=np.uint8)
    hists, _ = collect_stats(model, tensors, images, bins=256, batch_size=2)
    x = images.astype(np.float32) / 255.0
    for t in tensors[1:]:
        out = keras.Model(model.inputs, model.get_layer(t.output_layer).output).predict_on_batch(x)
        assert hists[t.name].min == pytest.approx(float(out.min()), abs=1e-6), t.name
        assert hists[t.name].max == pytest.approx(float(out.max()), abs=1e-6), t.name


def test_nan_activation_names_tensor_and_batch(rng):
    model = _small_model()
    dense = model.get_layer("logits")
    k, b = dense.get_weights()
    b[1] = np.nan
    dense.set_weights([k, b])
    images = rng.integers(0, 256, (4, 12, 12, 1), dtype=np.uint8)
    with pytest.raises(NonFiniteError, match=r"tensor logits .*batch 1 of 2.*NaN"):
        collect_stats(model, quant_tensors(model), images, batch_size=2)


def test_shape_mismatch_names_both_shapes(rng):
    model = _small_model()
    images = rng.integers(0, 256, (2, 12, 12, 2), dtype=np.uint8)
    with pytest.raises(CalibrationError, match=r"\(12, 12, 1\).*\(12, 12, 2\)"):
        collect_stats(model, quant_tensors(model), images, source="dataset folder:x")
