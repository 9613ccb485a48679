"""The engine calls behind each job dialog, as plain functions of plain values.

They run in the helper process (:mod:`gui.engine_process`), so this module imports
no Qt; each calls the :mod:`core.workflows` function of its user action (the one the
CLI sub-command of the same name calls) and returns plain data for the window.
"""

from __future__ import annotations


def calibrate(progress, model: str, data: str = "embedded", per_class: int | str = "auto", limit: int | None = None,
              method: str = "greedy", gamma: float = 1.0, out: str | None = None):
    from core.workflows.calibrate import calibrate as _calibrate
    from core.workflows.data_fit import check_data_fits

    check_data_fits(model, data, "train")        # images or classes that do not fit are refused, not used
    return _calibrate(model, data=data, per_class=per_class, limit=limit, method=method, gamma=gamma, out=out,
                      progress=progress)


def data_fit(progress, model: str, data: str, split: str = "train") -> str | None:
    """Why ``data`` does not fit ``model`` (size, channels, classes) and what to do, or None."""
    from core.workflows.data_fit import data_fit_problem

    return data_fit_problem(model, data, split)


def train(progress, config: dict, out: str, resume: bool = False) -> dict:
    """``qftune train --out OUT`` with ``config`` (:class:`core.training.TrainConfig`'s fields): what
    ``qftune train --json`` prints, the run log."""
    from core.workflows.train import train as _train

    return _train(out, config, resume=resume, progress=progress).to_dict()


def finetune(progress, session: str, config: dict, out: str) -> dict:
    """``qftune finetune SESSION --out OUT`` with ``config`` (:class:`core.qat.FinetuneConfig`'s fields): what
    ``qftune finetune --json`` prints, the run log (its ``session_out`` is M_qat.qft). A run of the same
    options after a cancel resumes from its backup."""
    from core.workflows.finetune import finetune as _finetune

    return _finetune(session, config, out, progress=progress).to_dict()


def export(progress, model_path: str, tensors, ranges: dict, out: str, weights: str = "per-channel",
           float_out: str | None = None, convention: dict | None = None, bias_correction: str = "none",
           calibration: dict | None = None, weight_plan=None) -> dict:
    """``qftune export`` of the plan on screen (the session's convention and calibration record; its
    kernel entries, a :class:`core.plan.weight_entry.WeightPlan`, win over ``weights``): the export report
    as plain data, as the CLI writes it beside the .tflite (``ExportReport.to_dict()``)."""
    from core.workflows.export import export as _export

    return _export(model_path, tensors, ranges, out, weights=weights, float_out=float_out, convention=convention,
                   bias_correction=bias_correction, calibration=calibration, progress=progress,
                   weight_plan=weight_plan).to_dict()


def evaluate(progress, model: str, reference: str | None, data: str, limit: int | None, threads: int,
             class_map: str | None = None) -> dict:
    from core.workflows.evaluate import evaluate_float_and_int8

    return evaluate_float_and_int8(model, reference, data, limit, threads, progress=progress, class_map=class_map)


def evaluate_plan(progress, session_file: str, model_path: str, label: str, reference: str | None, data: str,
                  limit: int | None, threads: int, weights: str = "per-channel", class_map: str | None = None) -> dict:
    """Evaluate with no int8 file: the window's current plan, written by the window to ``session_file`` (a
    temporary copy, removed here), through the simulated int8 model, beside its float ``reference``. The int8
    side is what ``qftune evaluate S.qft --json`` prints (``"simulated": true``, no latency), named ``label``."""
    import os
    from pathlib import Path

    from core.workflows.evaluate import evaluate_float_and_int8
    from core.workflows.simulate import evaluate_session

    def simulated(sub):
        return evaluate_session(session_file, data=data, limit=limit, weights=weights, model_path=model_path,
                                threads=threads, class_map=class_map, progress=sub)

    try:
        out = evaluate_float_and_int8(session_file, reference, data, limit, threads, progress=progress, int8=simulated,
                                      class_map=class_map)
        out["int8"]["model"] = label
        return out
    finally:
        Path(session_file).unlink(missing_ok=True)
        try:
            os.rmdir(Path(session_file).parent)       # the temporary folder the window made for it
        except OSError:
            pass


def compare(progress, model_path: str, tensors, tflite: str, data: str, images: int) -> dict:
    """``qftune compare --json``'s document (``CompareResult.to_dict()``: a row per tensor, worst first,
    ``n_images``); :func:`core.compare.sqnr_of` reads its SQNR per tensor."""
    from core.workflows.compare import compare as _compare

    return _compare(model_path, tensors, tflite, data, images, progress=progress).to_dict()


def sensitivity(progress, model_path: str, tensors, ranges: dict, data: str, limit: int | None,
                weights: str | None, convention: dict | None = None, class_map: str | None = None) -> dict:
    """``qftune sensitivity --json``'s document (``SensitivityResult.to_dict()``: a row per tensor, largest
    drop first, ``n_images`` and ``float_top1``, which give the noise band); :func:`core.sensitivity.drops_of`
    reads its drop per tensor."""
    from core.workflows.sensitivity import sensitivity as _sensitivity

    return _sensitivity(model_path, tensors, ranges, data, limit, weights=weights, convention=convention,
                        class_map=class_map, progress=progress).to_dict()


def export_and_evaluate(progress, model_path: str, tensors, ranges: dict, out: str, weights: str = "per-tensor",
                        data: str = "embedded:eval", limit: int | None = None, threads: int = 1) -> dict:
    """Compare mode: export the plan to ``out`` and evaluate it beside its float Keras model."""
    from core.workflows.export import export_and_evaluate as _export_and_evaluate

    return _export_and_evaluate(model_path, tensors, ranges, out, weights=weights, data=data, limit=limit,
                                threads=threads, progress=progress)


def equalize(progress, model: str, out: str, bias_absorption: bool = True, relu6: str = "relu") -> dict:
    """``qftune equalize`` on 64 images of the embedded set: writes ``out`` and its report; returns what
    ``qftune equalize --json`` prints (the report without its BatchNorm statistics)."""
    from core.workflows.equalize import equalize as _equalize

    return _equalize(model, out, bias_absorption=bias_absorption, relu6=relu6, data="embedded:eval",
                     check_images=64, progress=progress).to_dict()


def model_weights(progress, model_path: str) -> dict:
    """The weight view's data: ``{layer: LayerWeights.to_dict()}`` of every conv/depthwise/dense
    kernel of ``model_path``, BatchNorm folded as the export folds it."""
    from core.workflows.weights import read_weights

    return {name: lw.to_dict() for name, lw in read_weights(model_path, progress).items()}


def present_prepare(progress, session_a: str, session_b: str, out: str | None = None) -> str:
    """The presenter's "prepare now": ``qftune present --prepare A B [--out DIR]``; the cache folder."""
    from core.present import prepare

    return str(prepare(session_a, session_b, out=out, progress=progress))


def autotune(progress, session: str, data: str, options: dict, out: str, model: str | None = None) -> dict:
    """``qftune autotune`` of a session file (the GUI writes the plan on screen to one): what ``qftune
    autotune --json`` prints (the report document ``S_tuned.autotune.json``, its ``exit_code`` included);
    a cancel keeps the best plan found so far (written, ``cancelled`` true). The progress messages carry
    an ETA."""
    from core.autotune.options import TuneOptions
    from core.progress import with_eta
    from core.workflows.autotune import autotune as _autotune

    result = _autotune(session, data, TuneOptions(**options), out, model_path=model,
                       progress=with_eta(progress))
    return result.to_dict()
