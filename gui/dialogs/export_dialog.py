"""Export…: the options of ``qftune export``; writes the verified int8 .tflite of the
plan as it is on screen (unsaved overrides included). The float twin follows the Output the user
chooses (same folder, ``M_float.tflite`` beside ``M_int8.tflite``) until the user edits it."""

from __future__ import annotations

from pathlib import Path

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

    def __init__(self, parent=None, defaults: dict | None = None):
        super().__init__(parent, defaults)
        self._auto_float = self.widgets["float_out"].edit.text()     # the twin's path as proposed, not chosen
        self.widgets["out"].edit.textChanged.connect(self._float_follows)

    def _float_follows(self, out: str) -> None:
        """The proposed float twin moves with Output; one the user typed or cleared stays as it is."""
        edit = self.widgets["float_out"].edit
        twin = float_twin_path(out)
        if not self._auto_float or edit.text() != self._auto_float or twin is None:
            return
        self._auto_float = twin
        edit.setText(twin)


def float_twin_path(out: str) -> str | None:
    """``DIR/M_float.tflite`` for the int8 output ``DIR/M_int8.tflite`` (``DIR/X_float.tflite`` for ``DIR/X.tflite``);
    None while ``out`` names no file yet (empty, a folder being typed: ``/tmp/``)."""
    out = out.strip()
    if not out or out.endswith(("/", "\\")) or not Path(out).name:
        return None
    p = Path(out)
    stem = p.stem[: -len("_int8")] if p.stem.endswith("_int8") else p.stem
    return str(p.with_name(f"{stem}_float{p.suffix or '.tflite'}"))


def make_job(values: dict, app):
    """``fn(progress) -> the export report as a dict`` (in the engine process)."""
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
