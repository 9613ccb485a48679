"""Issue 22 §1 in `qftune calibrate`: data of a fixed native size or channels other than the model's
(the embedded 28-px grayscale set for a 96-px RGB model) is refused with both sides named and what to
do instead, nothing written; decoded image files resized to the model's input stay the normal way."""

from __future__ import annotations

import pytest

from cli_kit import clean_error, run


def _model(path, size, channels, classes=10):
    import keras

    inp = keras.Input((size, size, channels), name="image")
    x = keras.layers.Conv2D(4, 3, strides=4, padding="same", activation="relu", name="conv")(inp)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    out = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    keras.Model(inp, out, name=path.stem).save(path)
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("fit_models")
    return {"rgb96": _model(d / "rgb96.keras", 96, 3), "rgb28": _model(d / "rgb28.keras", 28, 3)}


def test_calibrate_of_a_96px_rgb_model_on_embedded_is_refused_naming_sizes_channels_and_what_to_do(models, tmp_path):
    out = tmp_path / "s.qft"
    err = clean_error(run("calibrate", models["rgb96"], "--data", "embedded", "--out", out),
                      "28x28 px grayscale", "96x96 px RGB", "imagenet:PATH", "folder:PATH")
    assert "1 channel" in err and "3 channels" in err
    assert not out.exists()


def test_calibrate_of_a_28px_rgb_model_on_grayscale_embedded_is_refused_for_its_channels(models, tmp_path):
    out = tmp_path / "s.qft"
    clean_error(run("calibrate", models["rgb28"], "--data", "embedded", "--out", out),
                "28x28 px grayscale (1 channel)", "28x28 px RGB (3 channels)")
    assert not out.exists()


def test_calibrate_on_a_folder_of_other_sized_images_resizes_them_as_usual(models, tmp_path):
    from train_kit import make_folder

    folder = make_folder(tmp_path / "imgs", per_class=3, size=40)      # 40-px PNG files, decoded and resized
    out = tmp_path / "s.qft"
    r = run("calibrate", models["rgb96"], "--data", f"folder:{folder}", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "6 images" in r.stdout and out.exists()
