"""keras.applications MobileNets (weights=None) through the CLI: calibrate -> export (verified) -> evaluate.

Each model is built small (96 px, small alpha; one at 224 px), its BatchNorm statistics set
from real images so activations have realistic ranges, saved as .keras and then driven
through ``qftune`` exactly as a user would, on a generated folder of JPEGs. The int8
input's scale and zero point must be the model's input convention's range, nudged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from model_kit import data_init_bn

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """10 classes x 2 images, 128-px JPEGs of smooth random colour fields (class = sorted folder name)."""
    from PIL import Image

    root = tmp_path_factory.mktemp("imgs")
    rng = np.random.default_rng(0)
    for c in range(10):
        d = root / f"n0{c:07d}"
        d.mkdir()
        for i in range(2):
            small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
            img = Image.fromarray(small).resize((128, 128), Image.BILINEAR)
            img.save(d / f"img_{i}.jpg", quality=90)
    return root


def _images(root, size):
    from PIL import Image

    files = sorted(Path(root).rglob("*.jpg"))
    return np.stack([np.asarray(Image.open(f).convert("RGB").resize((size, size), Image.BILINEAR)) for f in files])


def save_model(model, path, folder, convention):
    size = model.input_shape[1]
    data_init_bn(model, convention.apply(_images(folder, size)))
    model.save(path)
    return path


def run_cli(args, capsys):
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return out.out


def through_the_cli(model_path, folder, tmp_path, capsys, extra=()):
    """calibrate -> ranges -> export -> evaluate; returns (session rows, export report, tflite path)."""
    s, out = tmp_path / "s.qft", tmp_path / "m_int8.tflite"
    run_cli(["calibrate", model_path, "--data", f"folder:{folder}", "--per-class", 2,
             "--out", s, *extra], capsys)
    rows = json.loads(run_cli(["ranges", s, "--json"], capsys))
    run_cli(["export", s, "--out", out], capsys)
    report = json.loads((tmp_path / "m_int8.export.json").read_text())
    assert report["verification"]["ok"] and report["verification"]["n_tensors_checked"] == len(rows)
    classes, eval_extra = _outputs(out), []
    if classes != 10:     # a 1,000-class head on the 10 folders: the folders are its first 10 outputs
        names = sorted(p.name for p in Path(folder).iterdir()) + [f"unused_{i}" for i in range(10, classes)]
        (tmp_path / "labels.txt").write_text("\n".join(names) + "\n")
        eval_extra = ["--class-map", tmp_path / "labels.txt"]
    result = json.loads(run_cli(["evaluate", out, "--data", f"folder:{folder}", "--json", *eval_extra], capsys))
    assert result["n_images"] == 20 and result["kind"] == "int8 tflite" and 0.0 <= result["top1"] <= 1.0
    return rows, report, out


def _outputs(tflite) -> int:
    from ai_edge_litert.interpreter import Interpreter

    return int(Interpreter(model_path=str(tflite)).get_output_details()[0]["shape"][-1])


def input_quant(tflite):
    from ai_edge_litert.interpreter import Interpreter

    d = Interpreter(model_path=str(tflite)).get_input_details()[0]
    return d["dtype"], d["quantization"]


def assert_input_follows(convention, rows, report, tflite):
    """The plan's input row, the export report and the .tflite's int8 input all carry the convention."""
    from core.quant.grid import nudge

    want = nudge(*convention.input_range)
    first = rows[0]
    assert first["op"] == "INPUT"
    assert first["input_convention"]["scale"] == list(convention.scale)
    assert first["input_convention"]["offset"] == list(convention.offset)
    assert (first["scale"], first["zero_point"]) == (want.scale, want.zero_point)
    assert report["input_convention"]["scale"] == list(convention.scale)
    dtype, (scale, zp) = input_quant(tflite)
    assert dtype == np.int8 and np.float32(scale) == np.float32(want.scale) and zp == want.zero_point


@pytest.mark.parametrize("nested", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["flat", "nested"])
def test_v2_without_top_plus_dense_exports_and_follows_its_convention(nested, folder, tmp_path, capsys):
    """The export that refused its own calibration (64 plan tensors without a .tflite tensor: the PADs).

    Flat (``Model(base.input, Dense(10)(base.output))``) with the convention detected, and as a user's
    fine-tuned copy nested in a Sequential (``Sequential([base, Dense(10)])``) with the convention
    given by ``--mean/--std``."""
    import keras

    from core.models.convention import PIXEL_PM1, InputConvention

    keras.utils.set_random_seed(0)
    base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35, include_top=False, pooling="avg",
                                          weights=None)
    if nested:
        model = keras.Sequential([keras.Input((96, 96, 3)), base, keras.layers.Dense(10, name="head")])
        convention, extra = InputConvention.from_mean_std([127.5], [127.5]), ["--mean", "127.5", "--std", "127.5"]
    else:
        model = keras.Model(base.input, keras.layers.Dense(10, name="head")(base.output))
        convention, extra = PIXEL_PM1, []
    path = save_model(model, tmp_path / "v2.keras", folder, convention)
    rows, report, tflite = through_the_cli(path, folder, tmp_path, capsys, extra)
    assert {r["op"] for r in rows} >= {"PAD", "ADD", "MEAN", "FULLY_CONNECTED"}
    assert rows[-1]["name"] == "head" and rows[-1]["op"] == "FULLY_CONNECTED"
    assert rows[0]["input_convention"]["source"] == ("user" if nested else "detected")
    assert_input_follows(convention, rows, report, tflite)
    # fed through the convention, the int8 model follows the float model from image to image: the
    # per-output-centred correlation was 0.42 here (this random, untrained net quantizes poorly: the
    # FakeQuant simulation itself reaches 0.48); fed pixel/255 instead it is 0.00
    from core.export.litert import dequantize, load_interpreter, quantize_input

    x = convention.apply(_images(folder, 96))
    want = model.predict(x, verbose=0)
    interp = load_interpreter(tflite)
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    got = []
    for i in range(len(x)):
        interp.set_tensor(inp["index"], quantize_input(x[i:i + 1], inp))
        interp.invoke()
        got.append(dequantize(interp.get_tensor(out["index"]), *out["quantization"]).reshape(-1))
    got = np.stack(got)
    got, want = got - got.mean(axis=0), want - want.mean(axis=0)
    assert np.corrcoef(got.ravel(), want.ravel())[0, 1] > 0.2


ARCHS = {
    # name: (constructor kwargs, convention constant name)
    "v1-224": ("MobileNet", dict(input_shape=(224, 224, 3), alpha=0.25, classes=10), "PIXEL_PM1"),
    "v2": ("MobileNetV2", dict(input_shape=(96, 96, 3), alpha=0.35, classes=1000), "PIXEL_PM1"),
    "v3-small": ("MobileNetV3Small", dict(input_shape=(96, 96, 3), alpha=0.75, classes=10), "PIXEL_RAW"),
    "v3-large-no-preprocessing": ("MobileNetV3Large", dict(input_shape=(96, 96, 3), alpha=0.5, classes=10,
                                                           include_preprocessing=False), "PIXEL_PM1"),
}


@pytest.mark.slow
@pytest.mark.parametrize("arch", list(ARCHS))
def test_default_head_through_calibrate_export_evaluate(arch, folder, tmp_path, capsys):
    import keras

    from core.models import convention as conv_mod

    ctor, kwargs, conv_name = ARCHS[arch]
    keras.utils.set_random_seed(0)
    model = getattr(keras.applications, ctor)(weights=None, **kwargs)
    convention = getattr(conv_mod, conv_name)
    path = save_model(model, tmp_path / f"{arch}.keras", folder, convention)
    rows, report, tflite = through_the_cli(path, folder, tmp_path, capsys)
    ops = {r["op"] for r in rows}
    assert "SOFTMAX" in ops and rows[-1]["locked"] and rows[-1]["op"] == "SOFTMAX"
    assert (rows[-1]["scale"], rows[-1]["zero_point"]) == (1.0 / 256.0, -128)
    if ctor.startswith("MobileNetV3"):
        assert {"HARD_SWISH", "MUL", "ADD", "MEAN"} <= ops
        assert report["ops"]["HARD_SWISH"] == sum(r["op"] == "HARD_SWISH" for r in rows)
    if arch == "v3-small":   # the Rescaling inside the model: one int8 op after the raw 0..255 input
        assert rows[1]["op"] == "RESCALE"
    assert_input_follows(convention, rows, report, tflite)


def test_convention_flags_are_checked(tmp_path, capsys):
    for bad, what in ((["--input-scale", "0"], "--input-scale"), (["--std", "-1", "--mean", "1"], "--std"),
                      (["--input-scale", "a,b"], "--input-scale"), (["--input-scale", "1", "--mean", "3"], "--mean")):
        capsys.readouterr()
        rc = main(["calibrate", str(tmp_path / "missing.keras"), "--out", str(tmp_path / "s.qft"), *bad])
        assert rc != 0 and what in capsys.readouterr().err
        assert not (tmp_path / "s.qft").exists()


def test_old_sessions_load_as_pixel_over_255(capsys):
    """The bundled sessions predate conventions: they read as pixel/255, shown by ranges."""
    session = ROOT / "resources" / "sessions"
    s = sorted(session.glob("*.qft"))[0]
    capsys.readouterr()
    assert main(["ranges", str(s)]) == 0
    assert "input convention: pixel/255" in capsys.readouterr().out


def test_pretrained_offline_names_the_weights_file_and_where_to_put_it(tmp_path):
    env = dict(os.environ, KERAS_HOME=str(tmp_path / "kh"), TF_CPP_MIN_LOG_LEVEL="3")
    out = tmp_path / "m.keras"
    proc = subprocess.run([sys.executable, "-m", "core.cli", "pretrained", "mobilenet-v2", "--alpha", "0.35",
                           "--size", "96", "--out", str(out)], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)
    assert proc.returncode != 0
    err = proc.stderr
    assert "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96.h5" in err
    assert str(tmp_path / "kh" / "models") in err and "~/.keras/models/" in err
    assert not out.exists() and not out.with_suffix(".json").exists()


def test_pretrained_random_weights_writes_model_and_card(tmp_path, capsys):
    out = tmp_path / "v3.keras"
    run_cli(["pretrained", "mobilenet-v3-small", "--alpha", "0.75", "--size", "96", "--weights", "none", "--no-top",
             "--pooling", "avg", "--out", out], capsys)
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["architecture"] == "mobilenet-v3-small" and card["alpha"] == 0.75 and card["size"] == 96
    assert card["input_convention"]["scale"] == [1.0] and card["input_convention"]["offset"] == [0.0]
    from core.models.convention import card_convention
    from core.models.loading import load_model

    assert card_convention(out).input_range == (0.0, 255.0)
    assert load_model(out).input_shape == (None, 96, 96, 3)


def test_input_scale_offset_flags_set_the_input_range(tiny_qf_v2, tmp_path, capsys):
    """--input-scale/--input-offset: recorded in the session, shown by ranges, the input's range exactly."""
    from core.quant.grid import nudge

    model = tmp_path / "tiny.keras"
    tiny_qf_v2.save(model)
    s = tmp_path / "s.qft"
    out = run_cli(["calibrate", model, "--data", "embedded", "--per-class", 1, "--input-scale", 2 / 255,
                   "--input-offset", -1, "--out", s], capsys)
    assert "input convention: custom" in out
    rows = json.loads(run_cli(["ranges", s, "--json"], capsys))
    want = nudge(-1.0, 1.0)
    assert rows[0]["input_convention"] == {"name": "custom", "scale": [2 / 255], "offset": [-1.0], "source": "user"}
    assert (rows[0]["min"], rows[0]["max"], rows[0]["scale"], rows[0]["zero_point"]) == \
        (want.min, want.max, want.scale, want.zero_point)
    text = run_cli(["ranges", s], capsys)
    assert text.splitlines()[0].startswith("input convention: custom: x = pixel * 0.0078431373 + -1")
