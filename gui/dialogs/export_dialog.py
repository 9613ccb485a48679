"""Export…: the options of ``qftune export``; writes the verified int8 .tflite of the
plan as it is on screen (unsaved overrides included)."""

from __future__ import annotations

from core.quant.granularity import GRANULARITIES

from ._snapshot import snapshot
from .options_dialog import Field, OptionsDialog


class ExportDialog(OptionsDialog):
    title = "Export int8 .tflite"
    command = "export"
    fields = [
        Field("out", "Output", "save", "", "The int8 model to write (MODEL_int8.tflite); verified before it is written",
              file_filter="TFLite model (*.tflite)"),
        Field("weights", "Weights", "choice", "per-channel",
              "Weight quantization granularity for conv kernels", list(GRANULARITIES)),
        Field("float_out", "Float twin", "save", "", "Optional: also write the float32 .tflite (BN folded) here",
              file_filter="TFLite model (*.tflite)", optional=True),
        Field("model", "Model", "open", "", "The calibrated Keras model, if it moved since calibration",
              file_filter="Keras model (*.keras *.h5)", optional=True),
        Field("bias_correction", "Bias correction", "choice", "none",
              "Correct each layer's bias for the mean shift its rounded kernel causes (data-free quantization, "
              "docs/dfq.md): analytic from BatchNorm statistics where they exist, empirical from the calibration "
              "images; none keeps the biases as they are", ["none", "analytic", "empirical"]),
    ]


def make_job(values: dict, app):
    """``fn(progress) -> ExportReport`` (in the engine process)."""
    from .. import engine_jobs
    from ..engine_process import remote

    if not values["out"]:
        raise ValueError("choose where to write the int8 model (Output)")
    from core.models.convention import resolve_convention

    snap = snapshot(app, values.get("model"))
    session = app.state.session
    return remote(engine_jobs.export, model_path=snap.model_path, tensors=snap.tensors, ranges=snap.ranges,
                  out=values["out"], weights=values["weights"], float_out=values.get("float_out"),
                  convention=resolve_convention(session=session).to_dict(),
                  bias_correction=values.get("bias_correction") or "none",
                  calibration=dict(session.calibration or {}), weight_plan=snap.weight_plan)
