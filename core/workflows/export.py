"""Export: the verified int8 .tflite of a plan (optionally bias-corrected), and compare mode's
export-then-evaluate of one plan."""

from __future__ import annotations

from ..progress import NULL_PROGRESS


def export(model_path: str, tensors, ranges: dict, out: str, weights: str = "per-channel",
           float_out: str | None = None, convention=None, bias_correction: str = "none",
           calibration: dict | None = None, calib_data: str | None = None, model=None,
           force: bool = False, progress=NULL_PROGRESS, weight_plan=None):
    """Write the int8 .tflite of the plan (``tensors`` and their ``ranges``) of the Keras model file
    ``model_path`` to ``out`` with its report (and the float twin at ``float_out``); returns the
    :class:`~core.export.ExportReport`. ``convention`` (the session's, an InputConvention or its dict)
    goes into the report; ``bias_correction`` (none/analytic/empirical) uses the images of the
    session's ``calibration`` record, or ``calib_data``'s training split. ``model``: the loaded
    model file, if the caller has it. ``force``: replace existing files of another kind (see
    :mod:`core.outputs`). ``weight_plan``: the session's plan, whose kernel entries
    (``LAYER/kernel``) set each kernel's granularity and clip over ``weights``."""
    from ..export import export_int8
    from ..models.loading import load_model
    from .inputs import as_convention

    model = model if model is not None else load_model(model_path)
    conv = as_convention(convention)
    images = stats = None
    if bias_correction != "none":
        from ..equalize.bias_correction import correction_inputs
        from ..models.convention import resolve_convention

        images, stats = correction_inputs(calibration or {}, model, model_path,
                                          conv or resolve_convention(model, model_path), calib_data)
    return export_int8(model, tensors, ranges, out, weights=weights, float_out=float_out, progress=progress,
                       source=model_path, input_convention=conv, bias_correction=bias_correction,
                       calib_images=images, preact_stats=stats, force=force, weight_plan=weight_plan)


def export_and_evaluate(model_path: str, tensors, ranges: dict, out: str, weights: str = "per-tensor",
                        data: str = "embedded:eval", limit: int | None = None, threads: int = 1,
                        progress=NULL_PROGRESS) -> dict:
    """Export the plan to ``out`` and evaluate it against its float Keras model (compare mode):
    ``{"float": EvalResult dict, "int8": EvalResult dict, "weights": weights}``."""
    from .evaluate import evaluate_float_and_int8

    export(model_path, tensors, ranges, out, weights=weights, progress=progress.sub(0.0, 0.4, 1.0))
    result = evaluate_float_and_int8(out, model_path, data, limit, threads, progress=progress.sub(0.4, 0.6, 1.0))
    result["weights"] = weights
    return result
