"""Evaluate: the options of ``qftune evaluate`` for the int8 .tflite and its float model,
side by side (top-1, top-5, latency)."""

from __future__ import annotations

from pathlib import Path

from .options_dialog import Field, OptionsDialog


class EvaluateDialog(OptionsDialog):
    title = "Evaluate"
    command = "evaluate"
    fields = [
        Field("model", "int8 model", "open", "", "The exported int8 .tflite",
              file_filter="TFLite model (*.tflite);;All files (*)"),
        Field("reference", "Float model", "open", "", "Float model to compare with (default: the session's Keras model)",
              file_filter="Models (*.keras *.h5 *.tflite)", optional=True),
        Field("data", "Data", "text", "embedded:eval", "Dataset spec (test split)"),
        Field("limit", "Limit", "int", 0, "Evaluate on the first N images only (0 = no limit: all)",
              minimum=0, zero_text="no limit"),
        Field("threads", "Threads", "int", 1, "Interpreter threads", minimum=1, maximum=64),
    ]


def make_job(values: dict, app):
    """``fn(progress) -> {"float": EvalResult dict, "int8": EvalResult dict}`` (in the engine process)."""
    from .. import engine_jobs
    from ..engine_process import remote

    model = values["model"]
    if not model or not Path(model).exists():
        raise FileNotFoundError(f"{model or '(none)'}: choose an existing int8 .tflite (export one first)")
    reference = values.get("reference") or (app.state.session.model_path if app.state.session else None)
    return remote(engine_jobs.evaluate, model=model, reference=reference, data=values["data"],
                  limit=values["limit"] or None, threads=values["threads"])
