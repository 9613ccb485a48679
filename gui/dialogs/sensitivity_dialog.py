"""Sensitivity: the options of ``qftune sensitivity``; top-1 drop when only one tensor is int8."""

from __future__ import annotations

from ._snapshot import snapshot
from .options_dialog import Field, OptionsDialog


class SensitivityDialog(OptionsDialog):
    title = "Sensitivity"
    command = "sensitivity"
    fields = [
        Field("data", "Data", "text", "embedded:eval", "Dataset spec (test split)"),
        Field("limit", "Limit", "int", 0, "Use the first N images only (0 = all)", minimum=0),
        Field("weights", "Weights", "choice", "none", "Also quantize that layer's weights",
              ["none", "per-channel", "per-tensor"]),
        Field("model", "Model", "open", "", "The calibrated Keras model, if it moved since calibration",
              file_filter="Keras model (*.keras *.h5)", optional=True),
    ]


def make_job(values: dict, app):
    """``fn(progress) -> {tensor: top-1 drop in percentage points}``, largest drop first."""
    snap = snapshot(app, values.get("model"))

    def job(progress):
        from core.data import load_dataset
        from core.sensitivity import sensitivity

        ds = load_dataset(values["data"], "test").limit(values["limit"] or None)
        weights = None if values["weights"] == "none" else values["weights"]
        _base, rows, _seconds = sensitivity(snap.load_model(), snap.tensors, snap.ranges, ds.images, ds.labels,
                                            weights=weights, progress=progress)
        return {r.name: r.drop_pp for r in rows}

    return job
