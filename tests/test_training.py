"""Training: a short real run lowers the loss, checkpoints every epoch, resumes."""

import json

import numpy as np
import pytest

from core.data.fashion_mnist import DEFAULT_PATH
from core.progress import Cancelled, Progress
from core.training import TrainConfig, train

pytestmark = [pytest.mark.skipif(not DEFAULT_PATH.exists(), reason="needs Debian's dataset-fashion-mnist"),
              pytest.mark.slow]   # real training runs (fit, resume, cancel)


def test_one_epoch_on_a_tiny_subset_lowers_the_loss_and_resume_continues(tmp_path):
    out = tmp_path / "m.keras"
    cfg = TrainConfig(arch="mobilenet-v2", qf_changes=(1, 2, 3), width=0.25, data="fashion-mnist",
                      epochs=2, batch_size=32, limit=320, learning_rate=3e-3)
    seen = []
    log = train(TrainConfig(**{**cfg.__dict__, "epochs": 1}), out, progress=Progress(lambda d, t, m: seen.append(m)))
    assert out.exists() and (tmp_path / "m.ckpt.keras").exists()
    assert any("epoch 1/1" in m and "loss" in m and "ETA" in m for m in seen)
    # resume the 1-epoch run for a second epoch: the loss keeps going down
    log = train(cfg, out, resume=True)
    losses = [e["loss"] for e in log["epochs"]]
    assert len(losses) == 2 and losses[1] < losses[0]
    saved = json.loads((tmp_path / "m.log.json").read_text())
    assert saved["finished"] and saved["config"]["qf_changes"] == [1, 2, 3]


def test_cancel_leaves_the_last_checkpoint_usable(tmp_path):
    import keras

    out = tmp_path / "c.keras"
    cfg = TrainConfig(width=0.25, epochs=3, batch_size=32, limit=96)
    calls = {"n": 0}
    progress = Progress(lambda d, t, m: calls.__setitem__("n", calls["n"] + 1))

    def cancel_in_epoch_2(done, total, message):
        if "epoch 2/" in message:
            progress.cancel()

    progress._callback = cancel_in_epoch_2
    with pytest.raises(Cancelled):
        train(cfg, out, progress=progress)
    ckpt = keras.models.load_model(tmp_path / "c.ckpt.keras")
    assert ckpt.predict(np.zeros((1, 28, 28, 1), np.float32), verbose=0).shape == (1, 10)
    log = json.loads((tmp_path / "c.log.json").read_text())
    assert len(log["epochs"]) == 1 and log["interrupted"] and not log["finished"]
