"""``train()``: one training run on a tf.distribute strategy, resumable, stopping on NaN.

Every worker of a multi-worker run calls this with the same arguments (and its own TF_CONFIG);
only the chief writes the model, the checkpoint, the log and the backup beside ``out``. The other
workers write theirs to a temporary directory (saving a distributed model may involve collective
ops, so they must save too) and delete it at the end.

Resuming: a restarted job finds ``M.backup/`` (keras.callbacks.BackupAndRestore) and continues from
its last finished epoch, with or without ``--resume``; ``--resume`` without a backup continues from
``M.ckpt.keras``. Workers of a multi-worker run read the chief's backup, so the output folder must
be on a file system every worker sees (NFS, a shared disk) for a restart to resume.
"""

from __future__ import annotations

import json
import shutil
import types
from pathlib import Path

import numpy as np

from ..atomic import atomic_write_text
from ..models import QFConfig, build
from ..progress import NULL_PROGRESS, Cancelled, Progress
from .config import TrainConfig, output_paths
from .recipes import RECIPES
from .setup import backup_epoch, distributed_run, steps_per_epoch

# Options that define the model; a backup made with other values is not resumed.
_IDENTITY = ("arch", "qf_changes", "width", "data", "input_size", "recipe")


def train(config: TrainConfig, out: str | Path, resume: bool = False, progress: Progress = NULL_PROGRESS) -> dict:
    """Train and save to ``out``; returns the run log (also written as JSON by the chief)."""
    out = Path(out)
    if out.suffix != ".keras":
        raise ValueError(f"{out}: the output model must end in .keras")
    with distributed_run(config.strategy, "train", config.mixed_precision) as (strategy, placement, scratch):
        return _train(config, out, resume, progress, strategy, placement, scratch)


def _train(config, out, resume, progress, strategy, placement, scratch):
    import keras

    from ..models.convention import resolve_convention
    from .callbacks import FiniteGuard, NonFiniteError, TrainingReport, WorkerBackup, non_finite_stop, save_model_atomic
    from .input import open_training_data

    recipe = RECIPES[config.recipe]
    real = output_paths(out)
    if placement.is_chief:
        out.parent.mkdir(parents=True, exist_ok=True)
        paths = real
    else:
        paths = output_paths(scratch / out.name)
    backup_dir = paths["backup"]

    data = open_training_data(config.data, config.data_path, config.limit, config.seed)
    if len(data) == 0:
        raise ValueError(f"{config.data}: no training images")
    batch = config.batch_size
    steps = steps_per_epoch(batch, len(data), placement)
    size = config.input_size or (min(224, data.native_size) if data.streaming else data.native_size)
    lr0 = recipe.learning_rate(config.learning_rate, batch)
    identity = {k: (list(v) if isinstance(v, tuple) else v) for k, v in config.to_dict().items() if k in _IDENTITY}

    # ---- what to continue from: the backup (a restarted job), else --resume's checkpoint, else nothing
    backed_up = backup_epoch(real["backup"], identity)
    log = {"config": config.to_dict(), "epochs": [], "wall_time_s": 0.0, "finished": False, "runs": []}
    if (resume or backed_up is not None) and real["log"].exists():
        log = json.loads(real["log"].read_text())
        log.setdefault("runs", [])
        log["config"] = config.to_dict()
    if resume and backed_up is None and not real["ckpt"].exists():
        raise FileNotFoundError(f"{real['ckpt']}: no checkpoint to resume from")
    if backed_up is not None and not placement.is_chief:
        shutil.copytree(real["backup"], backup_dir, dirs_exist_ok=True)

    with strategy.scope():
        if resume and backed_up is None:
            model = keras.models.load_model(real["ckpt"], compile=True)
            recipe.regularize(model)
            start_epoch = len(log["epochs"])
        else:
            model = _new_model(config, recipe, lr0, size, data)
            start_epoch = 0
    if model.input_shape[1] != size or model.output_shape[-1] != data.num_classes:
        raise ValueError(f"{real['ckpt']}: the checkpoint takes {model.input_shape[1]} px and {model.output_shape[-1]} "
                         f"classes, the data {size} px and {data.num_classes} classes")
    convention = resolve_convention(model)
    if placement.kind == "multi-worker":
        _keras_multi_worker_fixes(model, strategy, size, data.channels)

    dist = strategy.distribute_datasets_from_function(
        lambda ctx: data.dataset(ctx, batch, size, convention, config.augment, config.seed))
    log["runs"].append({"strategy": placement.describe(), "initial_epoch": backed_up or start_epoch,
                        "from": "backup" if backed_up is not None else "checkpoint" if resume else "scratch",
                        "global_batch": batch, "replicas": placement.replicas, "workers": placement.workers,
                        "learning_rate": lr0, "input_size": size, "images": len(data),
                        "input_convention": convention.to_dict(), "data": data.source,
                        "chief": placement.is_chief})
    (backup_dir).mkdir(parents=True, exist_ok=True)
    (backup_dir / "qftune_identity.json").write_text(json.dumps(identity))
    guard = FiniteGuard()
    report = TrainingReport(log=log, paths=paths, progress=progress, steps=steps, epochs=config.epochs,
                            worker_batch=batch // placement.workers, guard=guard, save_model=save_model_atomic)
    callbacks = [guard, report, WorkerBackup(backup_dir, guard),
                 keras.callbacks.LearningRateScheduler(recipe.schedule(lr0, config.epochs))]
    try:
        model.fit(dist, epochs=config.epochs, steps_per_epoch=steps, initial_epoch=start_epoch, verbose=0,
                  callbacks=callbacks, shuffle=False)   # the tf.data pipeline shuffles (core/training/input.py)
    except (Cancelled, KeyboardInterrupt):
        log["interrupted"] = True
        atomic_write_text(paths["log"], json.dumps(log, indent=2))
        raise
    except Exception as exc:
        import tensorflow as tf

        if placement.workers == 1 or not isinstance(exc, tf.errors.OpError):
            raise
        raise _worker_lost(exc, real["backup"], identity) from None
    what = non_finite_stop(model, guard, log, paths["log"])
    if what is not None:
        raise NonFiniteError(f"training stopped: {what}; {_kept(real['ckpt'], len(log['epochs']))}; {out} was not "
                             f"written (try a lower --lr than {config.learning_rate or recipe.base_lr:g})")
    final = _inference_model(model, config, size, data)
    save_model_atomic(final, paths["model"])
    log["finished"] = True
    log["model"] = str(out)
    atomic_write_text(paths["log"], json.dumps(log, indent=2))
    if placement.is_chief:
        shutil.rmtree(real["backup"], ignore_errors=True)
    return log


class WorkerLostError(RuntimeError):
    """A multi-worker run lost a peer (killed, preempted, network); the backup allows a restart."""


def _new_model(config, recipe, lr0, size, data):
    """A freshly initialised, compiled model (inside the strategy's scope)."""
    import keras

    keras.utils.set_random_seed(config.seed)
    model = build(config.arch, input_size=size, input_channels=data.channels, classes=data.num_classes,
                  width=config.width, qf=QFConfig.from_changes(config.qf_changes))
    optimizer = recipe.optimizer(lr0)
    if config.mixed_precision:
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    recipe.regularize(model)
    model.compile(optimizer, recipe.loss(), metrics=["accuracy"])
    return model


def _kept(ckpt: Path, good_epochs: int) -> str:
    return (f"the last good checkpoint is {ckpt} (epoch {good_epochs})" if good_epochs
            else "no epoch finished, so no checkpoint was written")


def _worker_lost(exc, backup: Path, identity: dict) -> WorkerLostError:
    """The error that tells how to resume after a collective op failed because a peer went away."""
    saved = backup_epoch(backup, identity)
    where = f"from {backup} (epoch {saved})" if saved else "from the start (no epoch was backed up)"
    lines = [line.strip() for line in str(exc).splitlines()
             if line.strip() and "Graph execution error" not in line and not line.startswith("Detected at")]
    cause = next((line for line in lines if "abort" in line or "onnect" in line), lines[0] if lines else "")
    return WorkerLostError(f"lost another worker of the cluster ({type(exc).__name__}: {cause[:200]}); "
                           f"restart the same command on every worker to resume {where}")


def _inference_model(model, config, size, data):
    """The model to save: without optimizer state, and float32 throughout after mixed precision."""
    import keras

    if not config.mixed_precision:
        inputs = model.inputs if len(model.inputs) > 1 else model.inputs[0]   # users call it with a tensor
        return keras.Model(inputs, model.outputs, name=model.name)
    keras.mixed_precision.set_global_policy("float32")
    fresh = build(config.arch, input_size=size, input_channels=data.channels, classes=data.num_classes,
                  width=config.width, qf=QFConfig.from_changes(config.qf_changes))
    fresh.set_weights([np.asarray(w, np.float32) for w in model.get_weights()])
    return fresh


def _keras_multi_worker_fixes(model, strategy, size, channels):
    """Work around Keras 3's MultiWorkerMirroredStrategy bugs (tensorflow/tensorflow#72388).

    ``fit`` reduces each step's scalar logs with ``strategy.reduce("MEAN", v, axis=0)``, which
    fails on scalars, and its symbolic build reduces a whole data batch; here the model is built
    up front and the step's logs get a leading axis of 1 so the same reduce averages them.
    """
    import tensorflow as tf

    with strategy.scope():
        model._symbolic_build(data_batch=(np.zeros((1, size, size, channels), np.float32), np.zeros((1,), np.int64)))
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
    base = type(model).train_step

    def train_step(self, data):
        return {k: tf.reshape(v, [1]) for k, v in base(self, data).items()}

    model.train_step = types.MethodType(train_step, model)
