"""Issue 22 §1 in the CLI: a 1,000-class model is never scored on the 10-class embedded set."""

from __future__ import annotations

import pytest

from cli_kit import clean_error


@pytest.fixture(scope="module")
def model_1000(tmp_path_factory):
    import keras

    inp = keras.Input((28, 28, 1), name="image")
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(inp)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    out = keras.layers.Dense(1000, activation="softmax", name="predictions")(x)
    path = tmp_path_factory.mktemp("m1000") / "m1000.keras"
    keras.Model(inp, out, name="m1000").save(path)
    return path


def test_evaluate_of_a_1000_class_model_on_embedded_is_refused_with_both_counts(model_1000):
    from cli_kit import run

    clean_error(run("evaluate", model_1000, "--data", "embedded"), "1000 outputs", "has 10 classes")


def test_evaluate_of_a_1000_class_session_on_embedded_is_refused_with_both_counts(model_1000, tmp_path):
    from cli_kit import run
    from core.workflows.calibrate import calibrate

    session = tmp_path / "m1000.qft"
    calibrate(str(model_1000), "embedded", per_class=1, out=str(session))   # its data does not matter here
    clean_error(run("evaluate", session, "--data", "embedded", "--limit", "8"), "1000 outputs", "has 10 classes")
