"""``finetune()``: quantization-aware fine-tuning of a session's model, resumable like ``train``.

The same machinery as :func:`core.training.train`: the same set-up first
(:func:`core.training.setup.distributed_run`: one-device, mirrored, multi-worker; the steps and the
backup check of :mod:`core.training.setup`), the data streams
through :class:`core.training.input.TrainData`, the recipe gives optimizer, schedule and loss, and
the callbacks are train's (progress and per-epoch log, NaN stop, BackupAndRestore that never backs
up a non-finite state). A killed run restarted with the same command resumes from ``M_qat.backup/``
at its last finished epoch; a backup of another run (other session, data, options) is refused.
Only the chief writes; nothing but the log and the backup is written before the last epoch ends,
and the model and session are written only after the run finished with finite weights.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..atomic import atomic_write_text
from ..progress import NULL_PROGRESS, Cancelled, Progress
from ..training.config import ConfigError
from ..training.setup import backup_epoch, distributed_run, steps_per_epoch
from .config import FinetuneConfig, finetune_paths

# Options that define the run; a backup made with other values is not resumed.
_IDENTITY = ("data", "ranges", "weights", "batch_size", "learning_rate", "recipe", "limit", "seed", "augment",
             "steps_per_epoch")


def finetune(session, config: FinetuneConfig, out: str | Path, progress: Progress = NULL_PROGRESS) -> dict:
    """Fine-tune ``session``'s model (a loaded :class:`core.session.Session` whose model exists) and write
    ``out`` (M_qat.keras) and M_qat.qft beside it; returns the run log."""
    out = Path(out)
    if out.suffix != ".keras":
        raise ConfigError(f"--out {out}: the fine-tuned model must end in .keras (M_qat.keras)")
    session.require_model()
    with distributed_run(config.strategy, "finetune") as (strategy, placement, scratch):   # the first TF call
        return _finetune(session, config, out, progress, strategy, placement, scratch)


def _finetune(session, config, out, progress, strategy, placement, scratch):
    import keras

    from ..models.convention import resolve_convention
    from ..training.callbacks import FiniteGuard, NonFiniteError, TrainingReport, WorkerBackup, non_finite_stop
    from ..training.recipes import RECIPES
    from .data import open_finetune_data
    from .model import QATModel

    recipe = RECIPES[config.recipe]
    real = finetune_paths(out)
    paths = real if placement.is_chief else finetune_paths(scratch / out.name)
    source = keras.models.load_model(session.model_path, compile=False)
    data, note = open_finetune_data(config.data, config.data_path, config.limit, config.seed, source)
    batch = config.batch_size
    steps = steps_per_epoch(batch, len(data), placement, config.steps_per_epoch)
    size = int(source.input_shape[1])
    lr0 = recipe.learning_rate(config.base_lr, batch)
    identity = {"session_model_sha256": session.model_sha256, "plan": _plan_digest(session.plan),
                **{k: v for k, v in config.to_dict().items() if k in _IDENTITY}}

    backed_up = backup_epoch(real["backup"], identity)
    log = {"config": config.to_dict(), "epochs": [], "wall_time_s": 0.0, "finished": False, "runs": [],
           "session": str(session.path), "data_check": note}
    if backed_up is not None and real["log"].exists():
        log = json.loads(real["log"].read_text())
        log.setdefault("runs", [])
    if placement.is_chief:
        out.parent.mkdir(parents=True, exist_ok=True)
    elif backed_up is not None:
        shutil.copytree(real["backup"], paths["backup"], dirs_exist_ok=True)

    with strategy.scope():
        model = QATModel(source, session.plan, config.weights, config.ranges)
        model.compile(recipe.optimizer(lr0), recipe.loss(), metrics=["accuracy"], jit_compile=False)
    convention = resolve_convention(session=session)
    dist = strategy.distribute_datasets_from_function(
        lambda ctx: data.dataset(ctx, batch, size, convention, config.augment, config.seed))
    log["runs"].append({"strategy": placement.describe(), "initial_epoch": backed_up or 0,
                        "from": "backup" if backed_up is not None else "session", "global_batch": batch,
                        "steps_per_epoch": steps, "replicas": placement.replicas, "workers": placement.workers,
                        "learning_rate": lr0, "images": len(data), "data": data.source,
                        "chief": placement.is_chief})
    paths["backup"].mkdir(parents=True, exist_ok=True)
    (paths["backup"] / "qftune_identity.json").write_text(json.dumps(identity))
    guard = FiniteGuard()
    report = TrainingReport(log=log, paths=paths, progress=progress, steps=steps, epochs=config.epochs,
                            worker_batch=batch // placement.workers, guard=guard, save_model=lambda m, p: None)
    callbacks = [guard, report, WorkerBackup(paths["backup"], guard),
                 keras.callbacks.LearningRateScheduler(recipe.schedule(lr0, config.epochs))]
    try:
        model.fit(dist, epochs=config.epochs, steps_per_epoch=steps, verbose=0, callbacks=callbacks, shuffle=False)
    except (Cancelled, KeyboardInterrupt):
        log["interrupted"] = True
        atomic_write_text(paths["log"], json.dumps(log, indent=2))
        raise
    what = non_finite_stop(model, guard, log, paths["log"])
    if what is not None:
        raise NonFiniteError(f"fine-tuning stopped: {what}; {out} was not written (try a lower --lr than "
                             f"{config.base_lr:g})")
    log["finished"] = True
    log["model"], log["session_out"] = str(out), str(real["session"])
    log["images_seen"] = steps * batch * config.epochs
    if placement.is_chief:
        _write_result(session, model, config, out, real, log)
        atomic_write_text(real["log"], json.dumps(log, indent=2))
        shutil.rmtree(real["backup"], ignore_errors=True)
    return log


def _write_result(session, model, config, out, real, log):
    """The float model, checked to fold back bit-exactly, then its session (see :mod:`.result`)."""
    from ..training.callbacks import save_model_atomic
    from .result import check_refolds, float_model, trained_plan, write_session

    trained = model.trained_weights()
    result = float_model(session.model_path, trained, model._g.pairs)
    check_refolds(result, trained)
    plan = trained_plan(session, model.trained_ranges(), model.groups(), config.weights, config.ranges == "learned")
    save_model_atomic(result, real["model"])
    record = {"from_session": str(session.path), "ranges": config.ranges, "weights": config.weights,
              "epochs": config.epochs, "images_seen": log["images_seen"], "data": config.data,
              "learning_rate": log["runs"][-1]["learning_rate"], "data_check": log.get("data_check"),
              "command": config.command,
              "statistics": "the histograms are the source session's, of the model before fine-tuning"}
    write_session(session, plan, real["model"], real["session"], record)


def _plan_digest(plan) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(plan.to_dict(), sort_keys=True).encode()).hexdigest()
