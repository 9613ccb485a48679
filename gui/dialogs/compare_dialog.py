"""Compare: the options of ``qftune compare``; per-layer SQNR float vs int8, shown as
bars and in the table's "measured SQNR" column."""

from __future__ import annotations

from pathlib import Path

from ._snapshot import snapshot
from .options_dialog import Field, OptionsDialog


class CompareDialog(OptionsDialog):
    title = "Compare float vs int8"
    command = "compare"
    fields = [
        Field("tflite", "int8 model", "open", "", "The int8 .tflite exported from this session",
              file_filter="TFLite model (*.tflite)"),
        Field("images", "Images", "int", 32, "Number of images to compare on", minimum=1, maximum=100000),
        Field("data", "Data", "text", "embedded:eval", "Dataset spec"),
        Field("model", "Model", "open", "", "The calibrated Keras model, if it moved since calibration",
              file_filter="Keras model (*.keras *.h5)", optional=True),
    ]


def make_job(values: dict, app):
    """``fn(progress) -> the result qftune compare --json prints`` (:func:`gui.engine_jobs.compare`, run in the
    engine process)."""
    from .. import engine_jobs
    from ..engine_process import remote

    tflite = values["tflite"]
    if not tflite or not Path(tflite).exists():
        raise FileNotFoundError(f"{tflite or '(none)'}: choose the exported int8 .tflite")
    snap = snapshot(app, values.get("model"))
    return remote(engine_jobs.compare, model_path=snap.model_path, tensors=snap.tensors, tflite=tflite,
                  data=values["data"], images=values["images"])
