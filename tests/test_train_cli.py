"""qftune train at the command line: bad options refused at parse time, a non-finite run stops non-zero.

Before (issue 10): ``train --lr nan`` wrote a model with 700,202 of 718,746 weights NaN and exit 0;
``--width -1``, ``--width 0`` and ``--epochs 0`` were accepted.
"""

import numpy as np
import pytest

from cli_kit import run as qftune
from train_kit import make_folder


@pytest.mark.parametrize("option, value, expect", [
    ("--lr", "nan", "--lr"), ("--lr", "inf", "--lr"), ("--lr", "0", "--lr"), ("--lr", "-1", "--lr"),
    ("--width", "-1", "--width"), ("--width", "0", "--width"), ("--width", "nan", "--width"),
    ("--epochs", "0", "--epochs"), ("--epochs", "-3", "--epochs"),
    ("--batch-size", "0", "--batch-size"), ("--batch-size", "-1", "--batch-size"),
    ("--input-size", "0", "--input-size"), ("--limit", "0", "--limit"),
])
def test_out_of_range_options_are_refused_before_any_work(tmp_path, option, value, expect):
    out = tmp_path / "m.keras"
    r = qftune("train", "--data", "embedded", "--epochs", "1", option, value, "--out", out)
    assert r.returncode == 2, r.stderr
    assert expect in r.stderr and value.lstrip("-") in r.stderr
    assert "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_mixed_precision_is_refused_on_a_cpu(tmp_path):
    r = qftune("train", "--data", "embedded", "--epochs", "1", "--width", "0.35", "--mixed-precision",
               "--out", tmp_path / "m.keras", env={"CUDA_VISIBLE_DEVICES": ""})
    assert r.returncode == 2 and "--mixed-precision needs a GPU" in r.stderr, r.stderr
    assert not (tmp_path / "m.keras").exists()


@pytest.mark.slow
def test_a_non_finite_loss_stops_training_with_an_error_and_writes_no_model(tmp_path):
    """Resuming a diverged checkpoint (one NaN weight): the first step's loss is NaN, TerminateOnNaN stops
    the run, the command exits 3 naming the cause, writes no model and leaves the checkpoint untouched."""

    from core.models import QFConfig, build
    from core.training.recipes import RECIPES

    data = make_folder(tmp_path / "data")
    out = tmp_path / "m.keras"
    model = build("mobilenet-v1", input_size=32, input_channels=3, classes=2, width=0.35, qf=QFConfig())
    model.compile(RECIPES["qftune"].optimizer(1e-3), RECIPES["qftune"].loss(), metrics=["accuracy"])
    kernel = next(w for w in model.weights if w.path.endswith("kernel"))
    value = kernel.numpy()
    value.flat[0] = np.nan
    kernel.assign(value)
    ckpt = tmp_path / "m.ckpt.keras"
    model.save(ckpt)
    before = ckpt.read_bytes()

    r = qftune("train", "--arch", "mobilenet-v1", "--width", "0.35", "--data", f"folder:{data}", "--epochs", "2",
               "--batch-size", "8", "--strategy", "one-device", "--resume", "--out", out)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "training stopped: the loss became nan at epoch 1 step 1" in r.stderr
    assert f"{out} was not written" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
    assert ckpt.read_bytes() == before


@pytest.mark.slow
def test_tf_slim_recipe_rmsprop_decay_and_linear_lr_scaling(tmp_path):
    """--recipe tf-slim-mobilenet: RMSProp(0.9, 0.9, eps 1.0), 0.045 at batch 96 scaled to the global batch,
    decayed 0.98 per epoch, weight decay on conv/dense kernels but not depthwise ones."""
    import json

    import keras

    from core.models import QFConfig, build
    from core.training.recipes import RECIPES

    data = make_folder(tmp_path / "data")
    out = tmp_path / "m.keras"
    r = qftune("train", "--arch", "mobilenet-v1", "--width", "0.35", "--data", f"folder:{data}", "--epochs", "2",
               "--batch-size", "8", "--recipe", "tf-slim-mobilenet", "--strategy", "one-device", "--out", out)
    assert r.returncode == 0, r.stderr
    run = json.loads((tmp_path / "m.log.json").read_text())["runs"][-1]
    assert run["learning_rate"] == pytest.approx(0.045 * 8 / 96)
    opt = keras.models.load_model(tmp_path / "m.ckpt.keras").optimizer
    cfg = opt.get_config()
    assert type(opt).__name__ == "RMSprop" and (cfg["rho"], cfg["momentum"], cfg["epsilon"]) == (0.9, 0.9, 1.0)
    # the checkpoint is taken after epoch 2, which ran at lr0 * 0.98
    assert float(opt.learning_rate) == pytest.approx(0.045 * 8 / 96 * 0.98, rel=1e-5)

    model = build("mobilenet-v1", input_size=32, input_channels=3, classes=2, width=0.35, qf=QFConfig())
    n = RECIPES["tf-slim-mobilenet"].regularize(model)
    kinds = {type(layer).__name__ for layer in model._flatten_layers(include_self=False)
             if getattr(getattr(layer, "kernel", None), "regularizer", None) is not None}
    assert n > 0 and len(model.losses) == n and kinds <= {"Conv2D", "Dense"}
    assert RECIPES["qftune"].regularize(model) == 0
