"""Training a MobileNet on a dataset spec, with per-epoch checkpoints and resume.

Files written next to ``out`` (``model.keras``):
  ``model.ckpt.keras``  full model + optimizer state after the last finished epoch
                        (written atomically, so Ctrl-C leaves it usable)
  ``model.log.json``    the run: arguments, per-epoch loss/accuracy, wall time
  ``model.keras``       the final model (after the last epoch)
"""

from __future__ import annotations

import json
import math
import os
import shlex
import sys
import time
from dataclasses import dataclass, field, asdict
from pathlib import Path

import numpy as np

from .atomic import atomic_write_text
from .data import load_dataset, to_memory, to_model_input
from .models import QFConfig, build
from .progress import NULL_PROGRESS, Cancelled, Progress


@dataclass
class TrainConfig:
    arch: str = "mobilenet-v2"
    qf_changes: tuple[int, ...] = ()
    width: float = 0.5
    data: str = "fashion-mnist"
    data_path: str | None = None
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 2e-3
    input_size: int | None = None
    limit: int | None = None
    val_fraction: float = 0.0
    seed: int = 0
    augment: bool = True
    command: str = field(default_factory=lambda: shlex.join(["qftune"] + sys.argv[1:]))

    def to_dict(self):
        d = asdict(self)
        d["qf_changes"] = list(self.qf_changes)
        return d


def _paths(out: Path):
    stem = out.with_suffix("")
    return Path(f"{stem}.ckpt.keras"), Path(f"{stem}.log.json")


def _cosine(lr0: float, epochs: int):
    return lambda epoch: 0.5 * lr0 * (1 + math.cos(math.pi * min(epoch, epochs) / max(epochs, 1)))


def train(config: TrainConfig, out: str | Path, resume: bool = False, progress: Progress = NULL_PROGRESS) -> dict:
    """Train and save to ``out``; returns the run log (also written as JSON)."""
    import keras
    import tensorflow as tf

    out = Path(out)
    if out.suffix != ".keras":
        raise ValueError(f"{out}: the output model must end in .keras")
    out.parent.mkdir(parents=True, exist_ok=True)
    ckpt_path, log_path = _paths(out)

    data = to_memory(load_dataset(config.data, "train", path=config.data_path).limit(config.limit),
                     config.input_size or 224, 3)   # folder:/imagenet: sources decoded once (in-memory sets as they are)
    if len(data) == 0:
        raise ValueError(f"{config.data}: no training images")
    size = config.input_size or data.images.shape[1]

    log = {"config": config.to_dict(), "epochs": [], "wall_time_s": 0.0, "finished": False}
    start_epoch = 0
    if resume:
        if not ckpt_path.exists():
            raise FileNotFoundError(f"{ckpt_path}: no checkpoint to resume from")
        model = keras.models.load_model(ckpt_path, compile=True)
        if log_path.exists():
            log = json.loads(log_path.read_text())
        start_epoch = len(log["epochs"])
    else:
        keras.utils.set_random_seed(config.seed)
        model = build(config.arch, input_size=size, input_channels=data.images.shape[-1],
                      classes=data.num_classes, width=config.width,
                      qf=QFConfig.from_changes(config.qf_changes))
        model.compile(keras.optimizers.Adam(config.learning_rate),
                      keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])

    x = to_model_input(data.images, model.input_shape)
    y = data.labels
    val = None
    if config.val_fraction > 0:
        rng = np.random.default_rng(config.seed)
        order = rng.permutation(len(x))
        n_val = int(len(x) * config.val_fraction)
        val = (x[order[:n_val]], y[order[:n_val]])
        x, y = x[order[n_val:]], y[order[n_val:]]

    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=config.seed, reshuffle_each_iteration=True)
    ds = ds.batch(config.batch_size)
    if config.augment:
        ds = ds.map(lambda a, b: (tf.image.random_flip_left_right(a), b), num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.prefetch(2)
    steps = math.ceil(len(x) / config.batch_size)

    t_start = time.time()
    wall_before = log.get("wall_time_s", 0.0)
    total_steps = steps * config.epochs

    class _Report(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch, self.t0 = epoch, time.time()

        def on_train_batch_end(self, batch, logs=None):
            logs = logs or {}
            done = self.epoch * steps + batch + 1
            elapsed = time.time() - t_start
            per_step = elapsed / max(done - start_epoch * steps, 1)
            eta = per_step * (total_steps - done)
            progress.update(done, total_steps,
                            f"epoch {self.epoch + 1}/{config.epochs} step {batch + 1}/{steps} "
                            f"loss {logs.get('loss', float('nan')):.4f} acc {logs.get('accuracy', float('nan')):.4f} "
                            f"ETA {eta:.0f}s")

        def on_epoch_end(self, epoch, logs=None):
            logs = {k: float(v) for k, v in (logs or {}).items()}
            logs["epoch"] = epoch + 1
            logs["time_s"] = time.time() - self.t0
            log["epochs"].append(logs)
            log["wall_time_s"] = wall_before + time.time() - t_start
            _save_model_atomic(self.model, ckpt_path)
            atomic_write_text(log_path, json.dumps(log, indent=2))

    try:
        model.fit(ds, epochs=config.epochs, initial_epoch=start_epoch, verbose=0, validation_data=val,
                  callbacks=[_Report(), keras.callbacks.LearningRateScheduler(_cosine(config.learning_rate, config.epochs))])
    except (Cancelled, KeyboardInterrupt):
        log["interrupted"] = True
        atomic_write_text(log_path, json.dumps(log, indent=2))
        raise
    # the final model is for inference: without the optimizer state (a third of the size)
    _save_model_atomic(keras.Model(model.inputs, model.outputs, name=model.name), out)
    log["finished"] = True
    log["model"] = str(out)
    atomic_write_text(log_path, json.dumps(log, indent=2))
    return log


def _save_model_atomic(model, path: Path) -> None:
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}.keras")
    model.save(tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
