"""Sensitivity: the options of ``qftune sensitivity``; top-1 drop when only one tensor is int8."""

from __future__ import annotations

from core.quant.granularity import GRANULARITIES

from ._snapshot import snapshot
from .evaluate_dialog import CLASS_MAP
from .options_dialog import Field, OptionsDialog


class SensitivityDialog(OptionsDialog):
    title = "Sensitivity"
    command = "sensitivity"
    fields = [
        Field("data", "Data", "text", "embedded:eval", "Dataset spec (test split)"),
        CLASS_MAP,
        Field("limit", "Limit", "int", 0, "Use the first N images only (0 = no limit: all)", minimum=0,
              zero_text="no limit"),
        Field("weights", "Weights", "choice", "none", "Also quantize that layer's weights",
              ["none", *GRANULARITIES]),
        Field("model", "Model", "open", "", "The calibrated Keras model, if it moved since calibration",
              file_filter="Keras model (*.keras *.h5)", optional=True),
    ]


def make_job(values: dict, app):
    """``fn(progress) -> the result qftune sensitivity --json prints`` (:func:`gui.engine_jobs.sensitivity`,
    run in the engine process)."""
    from core.models.convention import resolve_convention

    from .. import engine_jobs
    from ..engine_process import remote

    snap = snapshot(app, values.get("model"))
    return remote(engine_jobs.sensitivity, model_path=snap.model_path, tensors=snap.tensors, ranges=snap.ranges,
                  data=values["data"], limit=values["limit"] or None,
                  weights=None if values["weights"] == "none" else values["weights"],
                  convention=resolve_convention(session=app.state.session).to_dict(),
                  class_map=values.get("class_map"))
