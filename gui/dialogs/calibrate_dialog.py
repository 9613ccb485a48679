"""Calibrate…: the options of ``qftune calibrate``; :func:`make_job` runs
:func:`core.workflows.calibrate.calibrate` in the engine process (:func:`gui.engine_jobs.calibrate`)."""

from __future__ import annotations

from core.choosers import METHODS

from .options_dialog import Field, OptionsDialog


class CalibrateDialog(OptionsDialog):
    title = "Calibrate"
    command = "calibrate"
    fields = [
        Field("model", "Model", "open", "", "The float Keras model (.keras/.h5)",
              file_filter="Keras model (*.keras *.h5);;All files (*)"),
        Field("data", "Data", "text", "embedded", "Dataset spec; calibration uses its training split"),
        Field("per_class", "Images per class", "int", 0,
              "Calibration images per class; 0 = auto, as qftune calibrate: 1,000 images in all, balanced over "
              "the classes", minimum=0, maximum=100000, zero_text="auto"),
        Field("limit", "Limit", "int", 0, "At most N images in all (0 = no limit)", minimum=0, zero_text="no limit"),
        Field("method", "Method", "choice", "greedy", "Range chooser for every tensor", list(METHODS),
              choice_tips=METHODS),
        Field("gamma", "γ (saturation weight)", "float", 1.0,
              "Weight of the clipping error against the rounding error in the greedy cost", minimum=1e-6, maximum=1e6),
        Field("out", "Save session as", "save", "", "Optional .qft to write when done (empty: keep unsaved)",
              file_filter="qftune session (*.qft)", optional=True),
    ]


def make_job(values: dict):
    """``fn(progress) -> Session`` calibrating with these dialog values in the engine process (the
    session returned is also saved at ``out`` when the dialog names one)."""
    from pathlib import Path

    from .. import engine_jobs
    from ..engine_process import remote

    model = values["model"]
    if not model:
        raise ValueError("choose the Keras model to calibrate (Model)")
    if not Path(model).exists():
        raise FileNotFoundError(f"{model}: no such model file")
    if not values["data"]:
        raise ValueError("choose the calibration data (Data): a dataset spec of the model's own images, e.g. "
                         "imagenet:PATH or folder:PATH")
    per_class = values["per_class"] or "auto"           # core.calibrate.AUTO, the CLI's default
    return remote(engine_jobs.calibrate, model=model, data=values["data"], per_class=per_class,
                  limit=values["limit"] or None, method=values["method"], gamma=values["gamma"],
                  out=values.get("out"))
