"""Equalize model…: the options of ``qftune equalize`` (data-free CLE + bias absorption, docs/dfq.md).

The equalized model is written beside its report; when the job ends the app calibrates it on
the embedded images so its plan opens at once (the current session is not modified)."""

from __future__ import annotations

from .options_dialog import Field, OptionsDialog


class EqualizeDialog(OptionsDialog):
    title = "Equalize model (CLE)"
    command = "equalize"
    fields = [
        Field("model", "Model", "open", "", "The float Keras model to equalize (BN is folded)",
              file_filter="Keras model (*.keras *.h5)"),
        Field("out", "Output", "save", "", "The equalized model to write (MODEL_eq.keras); never the input",
              file_filter="Keras model (*.keras)"),
        Field("bias_absorption", "Bias absorption", "bool", True,
              "Move max(0, beta - 3 gamma) of each channel into the next layer's bias where exact"),
        Field("relu6", "ReLU6", "choice", "relu",
              "relu: ReLU6 between equalized layers becomes ReLU (DFQ); keep: do not equalize through ReLU6",
              ["relu", "keep"]),
    ]


def make_job(values: dict):
    """``fn(progress) -> dict`` (the equalize report summary, in the engine process)."""
    from pathlib import Path

    from core.equalize.write import check_paths

    from .. import engine_jobs
    from ..engine_process import remote

    if not values["model"]:
        raise ValueError("choose the Keras model to equalize (Model)")
    if not Path(values["model"]).exists():
        raise FileNotFoundError(f"{values['model']}: no such model file")
    if not values["out"]:
        raise ValueError("choose where to write the equalized model (Output)")
    check_paths(values["model"], values["out"])
    return remote(engine_jobs.equalize, model=values["model"], out=values["out"],
                  bias_absorption=bool(values["bias_absorption"]), relu6=values["relu6"])
