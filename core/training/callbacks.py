"""Keras callbacks of a training run: progress and log, checkpoints, the NaN stop, the backup."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import keras
import numpy as np

from ..atomic import atomic_write_text


class NonFiniteError(RuntimeError):
    """Training produced a NaN/Inf loss or weight; the last good checkpoint is kept."""


def weights_finite(model) -> tuple[bool, str]:
    """(all weights finite, the first offending 'layer/variable: k of n' when not)."""
    for v in model.weights:
        a = np.asarray(v.numpy())
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            return False, f"{v.path}: {int((~np.isfinite(a)).sum())} of {a.size} values non-finite"
    return True, ""


def non_finite_stop(model, guard, log: dict, log_path) -> str | None:
    """After a fit: what went non-finite (the loss the ``guard`` saw, or a weight), recorded in ``log`` and
    written to ``log_path``; None when everything is finite. train and finetune stop on it the same way."""
    ok, where = weights_finite(model)
    if guard.bad is None and ok:
        return None
    log["stopped"] = guard.bad or {"weights": where}
    atomic_write_text(log_path, json.dumps(log, indent=2))
    return (f"the loss became {guard.bad['loss']} at epoch {guard.bad['epoch']} step {guard.bad['step']}"
            if guard.bad else f"a weight became non-finite ({where})")


class FiniteGuard(keras.callbacks.TerminateOnNaN):
    """Keras' TerminateOnNaN, remembering where the loss went non-finite so the run can say it."""

    def __init__(self):
        super().__init__()
        self.bad = None
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and self.bad is None and not math.isfinite(float(loss)):
            self.bad = {"epoch": self.epoch + 1, "step": batch + 1, "loss": float(loss)}
        super().on_batch_end(batch, logs)


class WorkerBackup(keras.callbacks.BackupAndRestore):
    """BackupAndRestore that never backs up a non-finite state (the previous good one stays).

    ``double_checkpoint``: a kill while the backup is being written falls back to the one before.
    """

    def __init__(self, backup_dir, guard: FiniteGuard):
        super().__init__(str(backup_dir), save_freq="epoch", double_checkpoint=True, delete_checkpoint=True)
        self.guard = guard

    def _save_model(self):
        if self.guard.bad is None and weights_finite(self.model)[0]:
            super()._save_model()


class TrainingReport(keras.callbacks.Callback):
    """Progress (with images/s of this worker), the per-epoch JSON log and the epoch checkpoint.

    The checkpoint and log go to ``paths`` (the chief's real files, or a non-chief's temporary
    directory): every worker saves, because saving a distributed model can involve collectives.
    """

    def __init__(self, *, log: dict, paths: dict, progress, steps: int, epochs: int, worker_batch: int,
                 guard: FiniteGuard, save_model):
        super().__init__()
        self.log, self.paths, self.progress = log, paths, progress
        self.steps, self.epochs, self.worker_batch, self.guard = steps, epochs, worker_batch, guard
        self.save_model = save_model
        self.t_start = time.time()
        self.wall_before = log.get("wall_time_s", 0.0)
        self.first_epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.t0, self.step_t0 = epoch, time.time(), None
        if self.first_epoch is None:
            self.first_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        if batch == 0:
            self.step_t0 = time.time()   # images/s from the second step: the first one includes tracing
        total = self.steps * self.epochs
        done = self.epoch * self.steps + batch + 1
        elapsed = time.time() - self.t_start
        per_step = elapsed / max(done - self.first_epoch * self.steps, 1)
        rate = f"{self.worker_batch * batch / max(time.time() - self.step_t0, 1e-9):.0f}" if batch else "--"
        self.progress.update(done, total,
                             f"epoch {self.epoch + 1}/{self.epochs} step {batch + 1}/{self.steps} "
                             f"loss {float(logs.get('loss', float('nan'))):.4f} "
                             f"acc {float(logs.get('accuracy', float('nan'))):.4f} "
                             f"{rate} img/s/worker ETA {per_step * (total - done):.0f}s")

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if self.guard.bad is not None or not all(math.isfinite(v) for v in logs.values()):
            return   # a non-finite epoch: keep the previous checkpoint and log
        ok, _ = weights_finite(self.model)
        if not ok:
            return
        now = time.time()
        logs["epoch"] = epoch + 1
        logs["time_s"] = now - self.t0
        if self.step_t0 is not None and self.steps > 1:
            logs["images_per_s_per_worker"] = self.worker_batch * (self.steps - 1) / max(now - self.step_t0, 1e-9)
        del self.log["epochs"][epoch:]
        self.log["epochs"].append(logs)
        self.log["wall_time_s"] = self.wall_before + now - self.t_start
        self.save_model(self.model, self.paths["ckpt"])
        atomic_write_text(self.paths["log"], json.dumps(self.log, indent=2))


def save_model_atomic(model, path: Path) -> None:
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}.keras")
    model.save(tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
