"""Evaluate: accuracy and latency of one model on the host, or of an int8 model beside its float one."""

from __future__ import annotations

from ..progress import NULL_PROGRESS


def evaluate(model: str, data: str = "embedded:eval", limit: int | None = None, threads: int = 1,
             reference: str | None = None, convention=None, path=None, skip_bad: bool = False,
             class_map: str | None = None, progress=NULL_PROGRESS, warn=None):
    """Top-1/top-5, per-class accuracy and latency of ``model`` (.tflite or Keras) on ``data``'s test
    split, and with ``reference`` the top-1 agreement with it: an
    :class:`~core.evaluate.EvalResult`. ``convention`` overrides the model's input convention;
    ``class_map``: a ``--class-map`` file naming the model's outputs (:mod:`core.data.classes`)."""
    from ..data import load_dataset
    from ..evaluate import evaluate as _evaluate
    from .inputs import as_convention

    if threads < 1:
        raise ValueError(f"--threads must be at least 1, got {threads}")
    ds = load_dataset(data, default_split="test", path=path, skip_bad=skip_bad, warn=warn)
    ds.source = data
    from ..data.classes import apply_class_map

    ds = apply_class_map(ds, class_map)
    return _evaluate(model, data, threads=threads, reference=reference, limit=limit, progress=progress,
                     dataset=ds, convention=as_convention(convention), warn=warn)


def evaluate_float_and_int8(model: str, reference: str | None, data: str = "embedded:eval",
                            limit: int | None = None, threads: int = 1, progress=NULL_PROGRESS, int8=None,
                            class_map: str | None = None) -> dict:
    """``{"float": EvalResult dict, "int8": EvalResult dict}`` of the int8 ``model`` and its float
    ``reference`` (no "float" entry without one), each measured on its own. ``int8(progress) -> EvalResult``
    measures the int8 side instead of ``model`` (a session's plan through the simulation; it applies
    ``class_map`` itself)."""
    out = {}
    if reference:
        out["float"] = evaluate(reference, data, limit, threads, class_map=class_map,
                                progress=progress.sub(0.0, 0.5, 1.0)).to_dict()
    sub = progress.sub(0.5 if reference else 0.0, 0.5 if reference else 1.0, 1.0)
    out["int8"] = (int8(sub) if int8 is not None
                   else evaluate(model, data, limit, threads, class_map=class_map, progress=sub)).to_dict()
    return out
