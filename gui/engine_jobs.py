"""The engine calls behind each job dialog, as plain functions of plain values.

They run in the helper process (:mod:`gui.engine_process`), so this module imports
no Qt; each is a thin call into ``core`` with the dialog's options, mirroring the
CLI sub-command of the same name.
"""

from __future__ import annotations


def calibrate(progress, model: str, data: str = "embedded", per_class: int | str = "auto", limit: int | None = None,
              method: str = "greedy", gamma: float = 1.0, out: str | None = None):
    from core.calibrate import calibrate as _calibrate

    session = _calibrate(model, data_spec=data, per_class=per_class, limit=limit, method=method, gamma=gamma,
                         progress=progress)
    if out:
        session.save(out)
    return session


def train(progress, config: dict, out: str, resume: bool = False) -> dict:
    from core.training import TrainConfig, train as _train

    return _train(TrainConfig(**config), out, resume=resume, progress=progress)


def _load_model(path: str):
    from core.models.loading import load_model

    return load_model(path)


def export(progress, model_path: str, tensors, ranges: dict, out: str, weights: str = "per-channel",
           float_out: str | None = None, convention: dict | None = None, bias_correction: str = "none",
           calibration: dict | None = None):
    """``qftune export`` of the plan on screen: the session's input convention goes into the report;
    ``bias_correction`` uses the session's calibration images (``calibration``) as the CLI does."""
    from core.export import export_int8
    from core.models.convention import InputConvention

    model = _load_model(model_path)
    conv = InputConvention.from_dict(convention) if convention else None
    images = stats = None
    if bias_correction != "none":
        from core.equalize.bias_correction import correction_inputs
        from core.models.convention import resolve_convention

        images, stats = correction_inputs(calibration or {}, model, model_path,
                                          conv or resolve_convention(model, model_path))
    return export_int8(model, tensors, ranges, out, weights=weights, float_out=float_out,
                       progress=progress, source=model_path, input_convention=conv,
                       bias_correction=bias_correction, calib_images=images, preact_stats=stats)


def evaluate(progress, model: str, reference: str | None, data: str, limit: int | None, threads: int) -> dict:
    from core.evaluate import evaluate as _evaluate

    out = {}
    if reference:
        out["float"] = _evaluate(reference, data, threads=threads, limit=limit,
                                 progress=progress.sub(0.0, 0.5, 1.0)).to_dict()
    out["int8"] = _evaluate(model, data, threads=threads, limit=limit,
                            progress=progress.sub(0.5 if reference else 0.0, 0.5 if reference else 1.0, 1.0)).to_dict()
    return out


def compare(progress, model_path: str, tensors, tflite: str, data: str, images: int) -> dict:
    """``{"sqnr": {tensor: measured SQNR dB} in plan order, "images": n}``."""
    from core.compare import compare as _compare
    from core.data import load_dataset

    ds = load_dataset(data, "test").limit(images)
    rows = _compare(_load_model(model_path), tensors, tflite, ds, progress=progress, source_model=model_path)
    by_name = {r.name: r.sqnr_db for r in rows}
    return {"sqnr": {t.name: by_name[t.name] for t in tensors if t.name in by_name}, "images": len(ds) - len(ds.skipped)}


def sensitivity(progress, model_path: str, tensors, ranges: dict, data: str, limit: int | None,
                weights: str | None, convention: dict | None = None) -> dict:
    """``{"drops": {tensor: top-1 drop in percentage points} largest first, "images": n,
    "base_top1": the float top-1}`` (the count and base give the noise band)."""
    from core.data import load_dataset
    from core.sensitivity import sensitivity as _sensitivity

    from core.model_input import model_convention
    from core.models.convention import InputConvention

    model = _load_model(model_path)
    ds = load_dataset(data, "test").limit(limit)
    conv = InputConvention.from_dict(convention) if convention else model_convention(model, model_path)
    base, rows, _seconds = _sensitivity(model, tensors, ranges, ds, weights=weights, progress=progress,
                                        convention=conv)
    return {"drops": {r.name: r.drop_pp for r in rows}, "images": len(ds) - len(ds.skipped), "base_top1": base}


def export_and_evaluate(progress, model_path: str, tensors, ranges: dict, out: str, weights: str = "per-tensor",
                        data: str = "embedded:eval", limit: int | None = None, threads: int = 1) -> dict:
    """Export the plan to ``out`` and evaluate it against its float Keras model (compare mode):
    ``{"float": EvalResult dict, "int8": EvalResult dict, "weights": weights}``."""
    export(progress.sub(0.0, 0.4, 1.0), model_path, tensors, ranges, out, weights=weights)
    result = evaluate(progress.sub(0.4, 0.6, 1.0), out, model_path, data, limit, threads)
    result["weights"] = weights
    return result


def equalize(progress, model: str, out: str, bias_absorption: bool = True, relu6: str = "relu") -> dict:
    """``qftune equalize``: write ``out`` and its report; returns a summary for the log."""
    from core.data import load_dataset
    from core.data.preprocess import adapt_images
    from core.equalize.equalize import check_equivalence, equalize_model
    from core.equalize.write import write_result
    from core.models.convention import resolve_convention

    m = _load_model(model)
    conv = resolve_convention(m, model)
    _, h, _w, c = m.input_shape
    x = conv.apply(adapt_images(load_dataset("embedded:eval", "test").limit(64).images, h, c).astype("float32"))
    result = equalize_model(m, bias_absorption=bias_absorption, relu6=relu6, progress=progress)
    check = check_equivalence(m, result, x.astype("float32"), source="embedded:eval (64 images)")
    write_result(result, model, out, conv)
    dw = [r for r in result.spread if r["type"] == "DepthwiseConv2D"]
    return {"out": out, "pairs": len(result.pairs), "relu6_replaced": len(result.relu6_replaced),
            "absorbed": len(result.absorbed), "check": check,
            "dw_spread_before": max((r["spread_before"] for r in dw), default=0.0),
            "dw_spread_after": max((r["spread_after"] for r in dw), default=0.0)}


def model_weights(progress, model_path: str) -> dict:
    """The weight view's data: ``{layer: LayerWeights.to_dict()}`` of every conv/depthwise/dense
    kernel of ``model_path``, BatchNorm folded as the export folds it."""
    from core.weights import model_weights as _model_weights

    progress.update(0, 1, "reading the folded weights")
    return {name: lw.to_dict() for name, lw in _model_weights(_load_model(model_path)).items()}
