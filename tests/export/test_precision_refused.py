"""``set-precision LAYER float`` is refused at set time, naming why, when the plan with it would not export
verified (issue 25): on a keras.applications MobileNetV2 a float ``expanded_conv_project`` leaves tensors
after the conv reading it float32 where the plan says int8, which the export's verifier refuses; the session file
is left as it was and still exports. An op whose float export verifies is accepted as before."""

import json

import numpy as np
import pytest

from cli_kit import clean_error, run

SIZE = 96                   # at 32 px even the all-int8 export does not verify (the 1x1 tail)


@pytest.fixture(scope="module")
def v2_session(tmp_path_factory):
    import keras
    from PIL import Image

    from core.calibrate import calibrate
    from model_kit import data_init_bn

    d = tmp_path_factory.mktemp("v2")
    keras.utils.set_random_seed(0)
    model = keras.applications.MobileNetV2(input_shape=(SIZE, SIZE, 3), alpha=0.35, weights=None, classes=10)
    rng = np.random.default_rng(0)
    (d / "data" / "all").mkdir(parents=True)
    x = rng.integers(0, 256, (24, SIZE, SIZE, 3), dtype=np.uint8)
    for i, img in enumerate(x):
        Image.fromarray(img).save(d / "data" / "all" / f"{i:03d}.png")
    data_init_bn(model, x.astype(np.float32) / 127.5 - 1.0)
    model.save(d / "v2.keras")
    session = calibrate(str(d / "v2.keras"), f"folder:{d / 'data'}")
    session.save(d / "v2.qft")
    return d / "v2.qft"


def _precisions(session):
    rows = json.loads(run("ranges", session, "--json").stdout)
    return {r["name"]: r["precision"] for r in rows if r.get("precision") not in (None, "int8")}


@pytest.mark.slow
def test_a_float_op_the_export_would_refuse_is_refused_at_set_time(v2_session, tmp_path):
    before = v2_session.joinpath("session.json").read_bytes() if v2_session.is_dir() else v2_session.read_bytes()
    out = run("set-precision", v2_session, "expanded_conv_project", "float")
    assert out.returncode != 0
    err = clean_error(out)
    # the reason is the verifier's: a tensor left float32 where the plan says int8 (docs/autotune_v2.json
    # recorded block_1_pad for the same op)
    assert "expanded_conv_project: float refused" in err and "does not verify" in err, err
    assert "float32" in err and "the session is unchanged" in err, err
    after = v2_session.joinpath("session.json").read_bytes() if v2_session.is_dir() else v2_session.read_bytes()
    assert after == before and _precisions(v2_session) == {}
    exp = run("export", v2_session, "--out", tmp_path / "m.tflite", "--json")
    assert exp.returncode == 0, exp.stderr
    assert json.loads(exp.stdout)["verification"]["ok"]


@pytest.mark.slow
def test_a_float_op_whose_export_verifies_is_accepted(v2_session, tmp_path):
    out = run("set-precision", v2_session, "block_2_expand", "float")
    assert out.returncode == 0, out.stderr
    assert _precisions(v2_session)["block_2_expand"] == "float"
    exp = run("export", v2_session, "--out", tmp_path / "m.tflite", "--json")
    assert exp.returncode == 0, exp.stderr
    assert json.loads(exp.stdout)["verification"]["ok"]
    assert run("set-precision", v2_session, "block_2_expand", "int8").returncode == 0
