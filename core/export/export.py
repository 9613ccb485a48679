"""Export an int8 .tflite that uses exactly the plan's ranges (and a float twin).

Recipe (measured with TF 2.21 / Keras 3): fold BatchNorm, put a fixed-range FakeQuant
on every plan tensor (input included) and a symmetric FakeQuant on every kernel,
trace to a concrete function, convert with ``Optimize.DEFAULT`` and int8 input/output
and *no* representative dataset, so the converter keeps each range as given:
scale = (max - min) / 255. The result is verified (``core.export.verify``) before
anything is written.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

from ..outputs import write_outputs
from ..plan.precision import float_layers, float_region, int16_layers
from ..plan.weight_entry import weight_quant_params
from ..progress import NULL_PROGRESS, Progress
from ..quant.grid import QuantParams, nudge, params_from_scale
from ..quant.tensors import AFFINE_OPS, WEIGHTED_OPS, QTensor, quant_tensors
from ..quant.weight_grid import expected_weight_scales
from .graph import GRANULARITIES, forward_fn, rescale_kernel
from .report import ExportReport, export_outputs, report_path
from .signature import with_serving_signature
from .verify import ExportVerificationError, Verification, verify_int8


def versions() -> dict:
    import tensorflow as tf

    try:
        from importlib.metadata import version
        litert = version("ai-edge-litert")
    except Exception:   # noqa: BLE001 - a missing version is not an export error
        litert = "unknown"
    return {"tensorflow": tf.__version__, "ai_edge_litert": litert}


def expected_params(tensors: list[QTensor], ranges: dict) -> dict[str, QuantParams]:
    """Plan tensor name -> the int8 parameters the export must store.

    ``ranges`` values are (min, max) pairs or :class:`QuantParams`; locked tensors
    always get their spec-mandated parameters; tied tensors must agree.
    """
    out: dict[str, QuantParams] = {}
    missing = [t.name for t in tensors if t.name not in ranges and t.locked_params is None]
    if missing:
        raise ValueError(f"no range for tensor(s) {', '.join(missing)}")
    for t in tensors:
        if t.locked_params is not None:
            out[t.name] = params_from_scale(*t.locked_params)
            continue
        r = ranges[t.name]
        lo, hi = (r.min, r.max) if isinstance(r, QuantParams) else (float(r[0]), float(r[1]))
        out[t.name] = nudge(lo, hi)
    by_group: dict[str, str] = {}
    for t in tensors:
        first = by_group.setdefault(t.group or t.name, t.name)
        if (out[first].scale, out[first].zero_point) != (out[t.name].scale, out[t.name].zero_point):
            a, b = out[first], out[t.name]
            raise ValueError(f"tied tensors {first} and {t.name} must share one range (TFLite requires it) but have "
                             f"[{a.min:.6g}, {a.max:.6g}] and [{b.min:.6g}, {b.max:.6g}]")
    return out


def check_plan_matches_model(model, tensors: list[QTensor]) -> None:
    """Raise :class:`UnsupportedLayerError` for layers the export cannot cover, and
    ValueError when the plan's tensors are not this model's (e.g. a session of another model)."""
    actual = {t.name: t for t in quant_tensors(model)}
    wrong = []
    for t in tensors:
        a = actual.get(t.name)
        if a is None:
            wrong.append(f"{t.name} (not a tensor of model {model.name!r})")
        elif a.op != t.op or _producer(model, a.output_layer) != _producer(model, t.output_layer):
            wrong.append(f"{t.name} (plan: {t.op} after {t.output_layer}; model: {a.op} after {a.output_layer})")
    missing = [n for n in actual if n not in {t.name for t in tensors}]
    if wrong or missing:
        parts = []
        if wrong:
            parts.append("plan tensors that do not match the model: " + ", ".join(wrong[:8]))
        if missing:
            parts.append("model tensors without a range in the plan: " + ", ".join(missing[:8]))
        raise ValueError("the plan does not belong to this model: " + "; ".join(parts))


def _producer(model, name: str) -> str:
    """``name``, or the layer an identity layer (Dropout, linear Activation) passes through: a plan
    that puts a tensor's FakeQuant after the identity (sessions before keras.applications support
    fused Dropout into the op before it) quantizes the same values."""
    from ..keras_graph import inbound_layers
    from ..quant.tensors import _is_identity as is_identity

    seen = 0
    while seen < 64:
        try:
            layer = model.get_layer(name)
        except ValueError:
            return name
        sources = inbound_layers(layer)
        if not is_identity(layer) or len(sources) != 1:
            return name
        name, seen = sources[0].name, seen + 1
    return name


def _concrete(run, input_shape):
    import tensorflow as tf

    fn = tf.function(run, autograph=False,
                     input_signature=[tf.TensorSpec((1,) + tuple(input_shape[1:]), tf.float32, name="image")])
    return fn.get_concrete_function()


def _convert(concrete, int8: bool) -> bytes:
    import tensorflow as tf

    conv = tf.lite.TFLiteConverter.from_concrete_functions([concrete])
    if int8:
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # "Statistics for quantized inputs were expected": intended, ranges come from FakeQuant
        data = conv.convert()
    names = [spec.name for spec in concrete.structured_input_signature[0]]
    return with_serving_signature(data, names)   # signature-based tools need one; this converter path writes none


def _fq_layers(tensors: list[QTensor], params: dict[str, QuantParams], floats=frozenset()) -> dict[str, tuple[float, float]]:
    """Layer of the (unfolded) model after which each plan tensor's FakeQuant goes; none after an op
    in ``floats`` (the plan's float ops: their output stays float32)."""
    return {t.output_layer: (params[t.name].min, params[t.name].max) for t in tensors if t.name not in floats}


def convert_int8(model, tensors: list[QTensor], ranges: dict, weights: str = "per-channel",
                 progress: Progress = NULL_PROGRESS, folded=None, weight_plan=None) -> tuple[bytes, Verification, dict]:
    """Convert ``model`` with the plan's ranges; returns (bytes, verification, seconds).
    ``weight_plan`` (the :class:`core.plan.Plan`): its kernel entries override ``weights`` and max|w|
    layer by layer; its float ops (``LAYER/precision``) get no FakeQuant on their kernel and output.
    Does not raise on a verification failure: check ``verification.ok``."""
    from ..models.bn_fold import folded_weights

    if weights not in GRANULARITIES:
        raise ValueError(f"--weights must be one of {', '.join(GRANULARITIES)}, got {weights!r}")
    check_plan_matches_model(model, tensors)   # names every uncoverable layer / stale tensor before any work
    params = expected_params(tensors, ranges)
    seconds = {}
    t0 = time.perf_counter()
    progress.update(0, 4, "folding BatchNorm")
    folded = folded if folded is not None else folded_weights(model)
    if int16_layers(weight_plan) - float_region(tensors, weight_plan):
        # 16x8 ops: the converter cannot place them per op; ai-edge-quantizer fed with the plan can
        # (core/export/mixed.py, docs/precision.md); the same verifier follows
        from .mixed import convert_mixed

        progress.update(1, 4, "converting the float twin")
        float_data = convert_float(model, folded)
        seconds["fold_and_convert_float"] = time.perf_counter() - t0
        data, ver, more = convert_mixed(model, tensors, params, weights, folded, weight_plan, float_data, progress)
        return data, ver, {**seconds, **more}
    wscales = {}
    floats, region = float_layers(weight_plan), float_region(tensors, weight_plan)
    for t in tensors:
        if t.name in region:
            continue   # a float op's kernel is float32 (verified as such)
        if t.op in WEIGHTED_OPS:
            wscales[t.name] = weight_quant_params(weight_plan, t.name, type(model.get_layer(t.name)).__name__,
                                                  folded[0][t.name][0], weights)[2]
        elif t.op in AFFINE_OPS:   # Rescaling/Normalization: a 1x1 depthwise conv
            wscales[t.name] = expected_weight_scales("DepthwiseConv2D", rescale_kernel(model.get_layer(t.name))[0], weights)
    progress.update(1, 4, "tracing the fake-quant graph")
    concrete = _concrete(forward_fn(model, _fq_layers(tensors, params, floats), weights, folded, weight_plan),
                         model.input_shape)
    seconds["fold_and_trace"] = time.perf_counter() - t0
    progress.update(2, 4, "converting with TFLite")
    t1 = time.perf_counter()
    data = _convert(concrete, int8=True)
    seconds["convert"] = time.perf_counter() - t1
    progress.update(3, 4, "verifying scales")
    t2 = time.perf_counter()
    ver = verify_int8(data, tensors, params, wscales, weights, floats=floats, region=region)
    seconds["verify"] = time.perf_counter() - t2
    progress.update(4, 4, "verified" if ver.ok else "verification failed")
    return data, ver, seconds


def convert_float(model, folded=None) -> bytes:
    """The float32 .tflite of ``model`` (BN folded), the reference for evaluation."""
    return _convert(_concrete(forward_fn(model, {}, None, folded), model.input_shape), int8=False)


def export_int8(model, tensors: list[QTensor], ranges: dict, out: str | Path, weights: str = "per-channel",
                float_out: str | Path | None = None, progress: Progress = NULL_PROGRESS,
                source: str = "", folded=None, input_convention=None, bias_correction: str = "none",
                calib_images=None, preact_stats: dict | None = None, weight_plan=None,
                force: bool = False) -> ExportReport:
    """Convert, verify and write ``out`` (+ ``out``'s ``.export.json`` report, + optional float twin).

    ``folded`` (:func:`core.models.bn_fold.folded_weights` of ``model``) saves recomputing it.
    ``input_convention`` (the session's, :func:`core.models.convention.resolve_convention`)
    is written into the report; None: resolved from the model card beside ``source`` or detected.
    Raises :class:`ExportVerificationError` (nothing written) when the file would not
    honour the plan, :class:`core.quant.tensors.UnsupportedLayerError` before conversion
    when a layer cannot be covered. ``bias_correction`` (``analytic``/``empirical``) corrects the folded
    biases for the kernels' rounding first (:mod:`core.equalize.bias_correction`; ``calib_images`` are
    preprocessed model inputs, ``preact_stats`` extra BN statistics); the report records it.
    ``weight_plan``: the plan whose kernel entries (``LAYER/kernel``) set each kernel's granularity
    and clip; ``weights`` is the default for the entries that do not set one.
    The three files are written all-or-nothing (:func:`core.outputs.write_outputs`); an existing file
    of another kind at any of them is refused unless ``force``.
    """
    from ..models.bn_fold import folded_weights

    out = Path(out)
    t0 = time.perf_counter()
    folded = folded if folded is not None else folded_weights(model)
    folded_q, bc_report = folded, None   # the float twin keeps the uncorrected biases
    if bias_correction != "none":
        from ..equalize.bias_correction import correct_biases

        folded_q, bc_report = correct_biases(model, folded, weights, bias_correction, calib_images, preact_stats)
    data, ver, seconds = convert_int8(model, tensors, ranges, weights, progress=progress, folded=folded_q,
                                     weight_plan=weight_plan)
    if not ver.ok:
        raise ExportVerificationError(ver.problems, where=f"{out.name} (not written)")
    params = expected_params(tensors, ranges)
    checks = {c.name: c for c in ver.tensors}
    report = ExportReport(model=source or getattr(model, "name", ""), weights=weights, size_bytes=len(data),
                          path=str(out), ops=ver.ops, verification=ver.to_dict(), versions=versions(),
                          bias_correction=bc_report)
    if input_convention is None:
        from ..models.convention import resolve_convention

        input_convention = resolve_convention(model, source or None)
    report.input_convention = input_convention.to_dict()
    for t in tensors:
        c, p = checks[t.name], params[t.name]
        report.tensors.append({"name": t.name, "op": t.op, "tflite_index": c.tflite_index, "tflite_name": c.tflite_name,
                               "min": p.min, "max": p.max, "scale": p.scale, "zero_point": p.zero_point,
                               "stored_scale": c.stored_scale, "stored_zero_point": c.stored_zero_point,
                               "locked": t.locked is not None, "precision": c.precision})
    report.weight_checks = ver.weights
    float_data = None
    if float_out is not None:
        t1 = time.perf_counter()
        float_data = convert_float(model, folded)
        seconds["float_convert"] = time.perf_counter() - t1
        report.float_path = str(float_out)
    report.stamp(data, float_data, source or None)
    seconds["total"] = time.perf_counter() - t0
    report.seconds = {k: round(v, 3) for k, v in seconds.items()}
    # all or nothing: the int8 file, its report and the float twin, each named if a write fails
    contents = [data, report.to_bytes()] + ([float_data] if float_data is not None else [])
    write_outputs(list(zip(export_outputs(out, float_out), contents, strict=True)), force=force)
    return report


__all__ = ["ExportReport", "convert_float", "convert_int8", "expected_params", "export_int8", "report_path"]
