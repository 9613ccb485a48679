"""Evaluate: the options of ``qftune evaluate`` for the int8 .tflite and its float model,
side by side (top-1, top-5, latency)."""

from __future__ import annotations

from pathlib import Path

from core.data.classes import CLASS_MAP_HELP

from .options_dialog import Field, OptionsDialog

# --class-map's field, here and in the Sensitivity dialog
CLASS_MAP = Field("class_map", "Class map", "open", "", CLASS_MAP_HELP, file_filter="Class list (*.txt);;All files (*)",
                  optional=True, zero_text="empty: imagenet: keras.applications' order, folder: sorted folder names")


class EvaluateDialog(OptionsDialog):
    title = "Evaluate"
    command = "evaluate"
    fields = [
        Field("model", "int8 model", "open", "", "The exported int8 .tflite; empty: the current plan through the "
              "simulated int8 model (per-channel weights, nothing exported, no latency), as qftune evaluate S.qft",
              file_filter="TFLite model (*.tflite);;All files (*)", optional=True,
              zero_text="empty: the current plan, simulated (nothing exported)"),
        Field("reference", "Float model", "open", "", "Float model to compare with (default: the session's Keras model)",
              file_filter="Models (*.keras *.h5 *.tflite)", optional=True, zero_text="empty: the session's Keras model"),
        Field("data", "Data", "text", "embedded:eval", "Dataset spec (test split)"),
        CLASS_MAP,
        Field("limit", "Limit", "int", 0, "Evaluate on the first N images only (0 = no limit: all)",
              minimum=0, zero_text="no limit"),
        Field("threads", "Threads", "int", 1, "Interpreter threads", minimum=1, maximum=64),
    ]


def make_job(values: dict, app):
    """``fn(progress) -> {"float": EvalResult dict, "int8": EvalResult dict}`` (in the engine process). With no
    int8 model, the int8 side is the window's current plan (unsaved edits included) through the simulation."""
    from .. import engine_jobs
    from ..engine_process import remote

    model = values["model"]
    session = app.state.session
    reference = values.get("reference") or (session.model_path if session else None)
    if not model:
        if session is None:
            raise FileNotFoundError("(none): choose an exported int8 .tflite, or open a session to evaluate its plan")
        import tempfile

        plan_file = Path(tempfile.mkdtemp(prefix="qftune_eval_")) / "current_plan.qft"
        plan_file.write_bytes(session.to_bytes())
        label = f"{Path(app.state.path).name if app.state.path else 'untitled'}: the current plan (simulated)"
        return remote(engine_jobs.evaluate_plan, session_file=str(plan_file), model_path=session.model_path,
                      label=label, reference=reference, data=values["data"], limit=values["limit"] or None,
                      threads=values["threads"], class_map=values.get("class_map"))
    if not Path(model).exists():
        raise FileNotFoundError(f"{model}: no such int8 .tflite (export one first, or leave it empty to evaluate "
                                "the current plan simulated)")
    return remote(engine_jobs.evaluate, model=model, reference=reference, data=values["data"],
                  limit=values["limit"] or None, threads=values["threads"], class_map=values.get("class_map"))
