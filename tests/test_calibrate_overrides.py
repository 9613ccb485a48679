"""Issue 22 §2 trap 6 in the CLI: `qftune calibrate --out S.qft` over a session with manual overrides
keeps those that still apply (each named) or, with --discard-overrides, names what it drops; an
override whose layer changed shape is dropped with the reason."""

from __future__ import annotations

import json

import pytest

from cli_kit import run


def _model(path, filters=4):
    import keras

    inp = keras.Input((28, 28, 1), name="image")
    x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name="conv_a")(inp)
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu", name="conv_b")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(10, name="logits")(x)
    out = keras.layers.Softmax(name="softmax")(x)
    keras.utils.set_random_seed(0)
    keras.Model(inp, out, name=path.stem).save(path)
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("carry")
    return {"m": _model(d / "m.keras"), "wider": _model(d / "wider.keras", filters=6)}


def _rows(session):
    r = run("ranges", session, "--json")
    assert r.returncode == 0, r.stderr
    return {row["name"]: row for row in json.loads(r.stdout)}


def _edited_session(model, tmp_path):
    s = tmp_path / "s.qft"
    assert run("calibrate", model, "--data", "embedded", "--per-class", "1", "--out", s).returncode == 0
    for args in (("set-range", s, "conv_a", "0", "0.75"), ("set-range", s, "conv_b/kernel", "--", "-0.2", "0.2"),
                 ("set-precision", s, "conv_b", "float")):
        r = run(*args)
        assert r.returncode == 0, (args, r.stderr)
    return s


def test_calibrating_again_over_a_session_keeps_its_overrides_and_names_them(models, tmp_path):
    s = _edited_session(models["m"], tmp_path)
    r = run("calibrate", models["m"], "--data", "embedded", "--per-class", "5", "--out", s)
    assert r.returncode == 0, r.stderr
    assert "s.qft had 3 manual override(s): 3 kept, 0 dropped" in r.stdout
    assert "kept conv_a: range [0, 0.75]" in r.stdout and "kept conv_b/kernel" in r.stdout
    assert "kept conv_b: computed in float" in r.stdout
    rows = _rows(s)
    assert rows["conv_a"]["method"] == "user" and rows["conv_a"]["max"] == pytest.approx(0.75, abs=0.01)
    assert rows["conv_b"]["method"] != "user"                      # the rest is chosen afresh
    from core.session import Session

    plan = Session.load(s).plan
    assert plan.weights["conv_b"].clip == (pytest.approx(0.2),) and plan.precisions == {"conv_b": "float"}
    assert Session.load(s).calibration["per_class"] == 5                # it is the new calibration


def test_discard_overrides_drops_them_and_says_which(models, tmp_path):
    s = _edited_session(models["m"], tmp_path)
    r = run("calibrate", models["m"], "--data", "embedded", "--per-class", "1", "--out", s, "--discard-overrides")
    assert r.returncode == 0, r.stderr
    assert "discarded 3 manual override(s) of s.qft" in r.stdout and "conv_a: range [0, 0.75]" in r.stdout
    from core.plan.carry import manual_overrides
    from core.session import Session

    assert manual_overrides(Session.load(s).plan) == []


def test_an_override_of_a_layer_whose_shape_changed_is_dropped_with_the_reason(models, tmp_path):
    s = _edited_session(models["m"], tmp_path)
    r = run("calibrate", models["wider"], "--data", "embedded", "--per-class", "1", "--out", s)
    assert r.returncode == 0, r.stderr
    assert "dropped conv_a: range [0, 0.75] (typed or dragged): conv_a is now CONV_2D (28, 28, 6)" in r.stdout
    assert "kept conv_b/kernel" in r.stdout
    assert _rows(s)["conv_a"]["method"] != "user"
