"""What every training run sets up before its first step, for ``train`` and ``finetune`` alike.

    distributed_run   the strategy (the run's first TensorFlow call) and, on a worker that is not the
                      chief, a scratch folder for what only the chief keeps; removed at the end
    steps_per_epoch   the steps of one epoch over the training images, the global batch checked
                      against the replicas in sync
    backup_epoch      the epoch a BackupAndRestore backup reached, if the backup is this run's
"""

from __future__ import annotations

import json
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .config import ConfigError


@contextmanager
def distributed_run(strategy_name: str, job: str, mixed_precision: bool = False):
    """``with distributed_run(...) as (strategy, placement, scratch):`` the strategy of ``strategy_name``
    (:func:`core.training.strategy.make_strategy`: one-device, mirrored, multi-worker) and ``scratch``: a
    temporary folder named after ``job`` on a worker that is not the chief (it saves there what the
    chief saves beside the output: saving a distributed model may involve collective ops), else None.
    The folder is deleted, and a mixed-precision policy reset to float32, when the block ends."""
    from .strategy import make_strategy

    strategy, placement = make_strategy(strategy_name, mixed_precision)
    scratch = None
    try:
        if not placement.is_chief:
            scratch = Path(tempfile.mkdtemp(prefix=f"qftune-{job}-worker{placement.worker_index}-"))
        yield strategy, placement, scratch
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        if mixed_precision:
            import keras

            keras.mixed_precision.set_global_policy("float32")


def steps_per_epoch(batch: int, images: int, placement, steps: int | None = None) -> int:
    """``steps`` (an explicit ``--steps-per-epoch``) or the full batches in ``images``; the global ``batch``
    must split evenly over the replicas in sync and (without ``steps``) fit in the images."""
    if batch % placement.replicas:
        raise ConfigError(f"--batch-size {batch} must be a multiple of the {placement.replicas} replicas in sync "
                          f"({placement.describe()})")
    if steps:
        return steps
    if images < batch:
        raise ConfigError(f"--batch-size {batch} is larger than the {images} training images")
    return images // batch


def backup_epoch(backup: Path, identity: dict) -> int | None:
    """The epoch a BackupAndRestore backup reached, if it is of this run (``identity``: the options
    that define it, as written beside the backup); a backup of another run is refused, naming what differs."""
    meta = backup / "training_metadata.json"
    if not meta.exists():
        return None
    ident = backup / "qftune_identity.json"
    theirs = json.loads(ident.read_text()) if ident.exists() else None
    if theirs != identity:
        diff = ", ".join(f"{k} {theirs.get(k)!r} -> {identity[k]!r}" for k in identity
                         if theirs and theirs.get(k) != identity[k]) or "unknown options"
        raise ConfigError(f"{backup} holds an interrupted run of another model ({diff}); rerun that command to "
                          f"resume it, or delete {backup} to start over")
    return int(json.loads(meta.read_text())["epoch"])
