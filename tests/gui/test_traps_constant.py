"""Issue 22 §2 item 13: a red row of a tensor whose calibration values are (nearly) one value says so."""

from __future__ import annotations

from gui_helpers import click_row


def test_a_constant_tensor_is_explained_when_its_row_is_clicked(make_main_window, tmp_path, qtbot):
    import keras

    from core.calibrate import calibrate

    inp = keras.Input((28, 28, 1), name="image")
    dead = keras.layers.Conv2D(4, 3, padding="same", activation="relu", kernel_initializer="zeros", name="dead")(inp)
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu", name="alive")(dead)
    x = keras.layers.Concatenate(name="both")([x, keras.layers.Conv2D(8, 3, strides=2, padding="same",
                                                                      name="side")(inp)])
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    out = keras.layers.Dense(10, activation="softmax", name="logits")(x)
    model = tmp_path / "dead.keras"
    keras.Model(inp, out, name="dead_model").save(model)
    session = calibrate(str(model), "embedded", per_class=1).save(tmp_path / "dead.qft")

    app = make_main_window(str(session))
    plan = app.state.plan
    assert "dead" in plan.names
    label = app.window.tensor_panel.view.constraint
    click_row(qtbot, app, "dead")
    assert label.isVisible() and "(Near) constant" in label.text() and "untrained" in label.text()
    click_row(qtbot, app, "side")                                     # a tensor with a signal: no such note
    assert "constant" not in label.text()
