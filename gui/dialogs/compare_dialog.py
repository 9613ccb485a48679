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
    """``fn(progress) -> {tensor: sqnr_db}`` in plan order."""
    tflite = values["tflite"]
    if not tflite or not Path(tflite).exists():
        raise FileNotFoundError(f"{tflite or '(none)'}: choose the exported int8 .tflite")
    snap = snapshot(app, values.get("model"))

    def job(progress):
        from core.compare import compare
        from core.data import load_dataset

        images = load_dataset(values["data"], "test").limit(values["images"]).images
        rows = compare(snap.load_model(), snap.tensors, tflite, images, progress=progress)
        by_name = {r.name: r.sqnr_db for r in rows}
        return {t.name: by_name[t.name] for t in snap.tensors if t.name in by_name}

    return job
