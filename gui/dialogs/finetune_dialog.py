"""Fine-tune…: the options of ``qftune finetune`` (quantization-aware fine-tuning from a saved session's
plan); runs :func:`core.qat.finetune` in the engine process with progress and Cancel.

Resumable like Train: a cancelled (or killed) run leaves ``M_qat.backup/`` and running the same options
again continues from its last finished epoch. When the run ends the app offers to open ``M_qat.qft``."""

from __future__ import annotations

from pathlib import Path

from core.quant.granularity import GRANULARITIES

from .options_dialog import Field, OptionsDialog

RANGE_MODES = ("fixed", "learned")   # core.qat.config.RANGE_MODES (checked again there)


class FinetuneDialog(OptionsDialog):
    title = "Fine-tune (quantization-aware)"
    command = "finetune"
    fields = [
        Field("session", "Session", "open", "", "The saved session S.qft whose plan is fine-tuned",
              file_filter="qftune session (*.qft)"),
        Field("data", "Data", "text", "embedded", "Dataset spec, its training split (never the evaluation images: "
              "checked)"),
        Field("epochs", "Epochs", "int", 1, "Number of epochs", minimum=1, maximum=10_000),
        Field("steps_per_epoch", "Steps per epoch", "int", 0, "Steps in one epoch (0 = one pass over the images)",
              minimum=0, maximum=1_000_000, zero_text="one pass"),
        Field("batch_size", "Batch size", "int", 32, "Images per step", minimum=1, maximum=65_536),
        Field("lr", "Learning rate", "float", 1e-5, "Adam learning rate at batch 128, scaled with the batch "
              "(> 0 and <= 1)", minimum=0.0, maximum=1.0),
        Field("ranges", "Ranges", "choice", "fixed",
              "fixed: the plan's activation ranges, unchanged; learned: trained (straight-through), kept valid",
              list(RANGE_MODES)),
        Field("weights", "Weights", "choice", "per-channel",
              "Granularity of kernels whose plan entry sets none (as Export's)", list(GRANULARITIES)),
        Field("out", "Output model", "save", "", "The fine-tuned float model M_qat.keras (M_qat.qft is written "
              "beside it); a cancelled run resumes from M_qat.backup when run again with the same options",
              file_filter="Keras model (*.keras)"),
    ]


def defaults_for(session_path: str | None, folder: str) -> dict:
    """The dialog's defaults for the open session: it, the data it was calibrated on, and
    ``<session>_qat.keras`` beside it (in ``folder`` when the session's own folder is not writable)."""
    if not session_path:
        return {}
    from core.session import Session

    p = Path(session_path)
    out = {"session": str(p), "out": str(Path(folder) / f"{p.stem}_qat.keras")}
    try:
        out["data"] = (Session.load(p).calibration or {}).get("data") or "embedded"
    except Exception:  # noqa: BLE001 - an unreadable session is named when Run checks it
        pass
    return out


def make_job(values: dict, app):
    """``fn(progress) -> run log`` (in the engine process); the options are checked here first."""
    from core.qat import FinetuneConfig
    from core.qat.config import check_finetune_outputs
    from core.session import Session

    from .. import engine_jobs
    from ..engine_process import remote

    session = values["session"]
    if not session:
        raise ValueError("choose the session to fine-tune (Session)")
    if not Path(session).exists():
        raise FileNotFoundError(f"{session}: no such session file")
    state = app.state
    if state.path and Path(state.path).resolve() == Path(session).resolve() and state.dirty:
        raise ValueError(f"{Path(session).name} has unsaved changes: fine-tuning starts from the saved plan, "
                         "so save it first (File > Save)")
    if not values["out"]:
        raise ValueError("choose where to write the fine-tuned model (Output model)")
    model = Session.load(session).model_path
    if model and not Path(model).exists():
        raise FileNotFoundError(f"{session}: its model {model} no longer exists")
    config = dict(data=values["data"] or "embedded", epochs=values["epochs"],
                  steps_per_epoch=values["steps_per_epoch"] or None, batch_size=values["batch_size"],
                  learning_rate=values["lr"], ranges=values["ranges"], weights=values["weights"],
                  command="qftune gui (Fine-tune…)")
    FinetuneConfig(**config)                        # every option's range, named as the CLI names it
    check_finetune_outputs(session, model, values["out"])
    return remote(engine_jobs.finetune, session=session, config=config, out=values["out"])
