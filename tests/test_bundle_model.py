"""scripts/bundle_model.py: a stopped run is bundled from its last epoch's checkpoint, with the epochs done.

The run is made the way ``qftune train`` leaves it (core.training: ``M.ckpt.keras`` with optimizer
state after each epoch, ``M.log.json``); a tiny MobileNetV1 keeps it fast.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CMD = ("qftune train --arch mobilenet-v1 --width 0.25 --recipe tf-slim-mobilenet --batch-size 96 --epochs 12 "
       "--seed 0 --out {out}")


def bundle(*args):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "bundle_model.py"), *map(str, args)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """One fitted tiny MobileNetV1 checkpoint (with optimizer state) for the module: (path, predictions, x).
    Read-only: each test copies it into its own run folder."""
    import keras

    from core.models import QFConfig, build_mobilenet_v1

    model = build_mobilenet_v1(input_size=28, width=0.25, qf=QFConfig.original(), name="m")
    model.compile(keras.optimizers.RMSprop(0.045, rho=0.9, momentum=0.9, epsilon=1.0),
                  keras.losses.SparseCategoricalCrossentropy())
    x = np.random.default_rng(0).random((8, 28, 28, 1)).astype(np.float32)
    model.fit(x, np.arange(8) % 10, epochs=1, verbose=0)          # optimizer state, as a real checkpoint has
    path = tmp_path_factory.mktemp("ckpt") / "v1_orig.ckpt.keras"
    model.save(path)
    return path, model.predict(x, verbose=0), x


@pytest.fixture
def stopped_run(checkpoint, tmp_path):
    ckpt, expect, x = checkpoint
    out = tmp_path / "run" / "v1_orig.keras"
    out.parent.mkdir()
    shutil.copyfile(ckpt, out.parent / "v1_orig.ckpt.keras")
    cfg = {"arch": "mobilenet-v1", "qf_changes": [], "width": 0.25, "epochs": 12, "batch_size": 96, "seed": 0,
           "recipe": "tf-slim-mobilenet", "command": CMD.format(out=out)}
    epochs = [{"epoch": i + 1, "loss": 1.0 / (i + 1), "accuracy": 0.5 + i / 10, "time_s": 100.0} for i in range(3)]
    log = {"config": cfg, "epochs": epochs, "wall_time_s": 310.0, "finished": False, "runs": [{}, {}],
           "interrupted": True}
    (out.parent / "v1_orig.log.json").write_text(json.dumps(log))
    return out, expect, x


def test_stopped_run_is_bundled_from_the_checkpoint_with_epochs_done(stopped_run, tmp_path):
    out, expect, x = stopped_run
    dest = tmp_path / "models"
    before = sorted(p.name for p in out.parent.iterdir())
    r = bundle(out, "--dest-dir", dest, "--eval-limit", 20, "--card-extra", "why=dead channels are likelier wide",
               "trial=3")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == before        # the run's folder is only read
    card = json.loads((dest / "v1_orig.json").read_text())
    assert card["epochs"] == 3 and card["epochs_planned"] == 12 and card["stopped_early"] is True
    assert card["command"] == CMD.format(out=out)
    assert " --epochs 3 " in card["command_equivalent"] and "--epochs 12" not in card["command_equivalent"]
    assert "v1_orig.ckpt.keras" in card["command_note"] and "equals command_equivalent" in card["command_note"]
    assert card["train_wall_time_s"] == 310.0 and card["train_runs"] == 2 and card["recipe"] == "tf-slim-mobilenet"
    assert card["width"] == 0.25 and [e["epoch"] for e in card["epoch_history"]] == [1, 2, 3]
    assert card["why"] == "dead channels are likelier wide" and card["trial"] == 3
    assert card["float_eval_images"] == 20 and 0 <= card["float_top1"] <= 1 and "float_top1_test10k" not in card
    import keras

    bundled = keras.models.load_model(dest / "v1_orig.keras")
    assert getattr(bundled, "optimizer", None) is None                                   # saved without optimizer state
    np.testing.assert_allclose(bundled.predict(x, verbose=0), expect, rtol=1e-5, atol=1e-6)
    assert (dest / "v1_orig.keras").stat().st_size < (out.parent / "v1_orig.ckpt.keras").stat().st_size

    r = bundle(out, "--dest-dir", dest, "--eval-limit", 20)
    assert r.returncode != 0 and "pass --force" in r.stderr


def test_finished_run_takes_the_final_model_and_missing_log_is_named(stopped_run, tmp_path):
    out, _, _ = stopped_run
    import keras

    keras.models.load_model(out.parent / "v1_orig.ckpt.keras").save(out)
    log_path = out.parent / "v1_orig.log.json"
    log = json.loads(log_path.read_text())
    log["finished"] = True
    log_path.write_text(json.dumps(log))
    r = bundle(out, "--dest-dir", tmp_path / "m", "--eval-limit", 10)
    assert r.returncode == 0, r.stderr
    card = json.loads((tmp_path / "m" / "v1_orig.json").read_text())
    assert card["stopped_early"] is False and "command_equivalent" not in card
    r = bundle(tmp_path / "elsewhere.keras", "--dest-dir", tmp_path / "m")
    assert r.returncode != 0 and "elsewhere.log.json: no training log" in r.stderr
