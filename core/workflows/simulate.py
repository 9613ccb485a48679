"""Evaluate a session's plan through the simulated int8 model (no export), and build its live set.

``qftune evaluate S.qft`` and the GUI's live figures (issue 21) both start here: the session's model
with the plan's exact quantization (:class:`core.simulate.model.SimulatedModel`), fed the session's
own kind of data through the plan's input convention.
"""

from __future__ import annotations

import time

import numpy as np

from ..progress import NULL_PROGRESS


class DataMismatchError(ValueError):
    """A data set that cannot score this model (size, channels or classes), with the reason."""


def session_data(session, data: str | None = None, path=None, skip_bad: bool = False, warn=None,
                 class_map: str | None = None):
    """(spec, test split of ``data`` or of the session's calibration data, relabelled by ``class_map``, a
    ``--class-map`` file, if given). A session whose recorded spec no longer resolves is named with its spec."""
    from ..data import load_dataset

    spec = data or session.calibration.get("data")
    if not spec:
        raise ValueError(f"{session.path}: the session records no data spec; pass --data SPEC")
    try:
        ds = load_dataset(spec, default_split="test", path=path, skip_bad=skip_bad, warn=warn)
    except (OSError, ValueError) as exc:
        if data:
            raise
        raise ValueError(f"{session.path}: its data spec {spec!r} no longer resolves ({exc}); "
                         "pass --data SPEC") from None
    ds.source = spec
    from ..data.classes import apply_class_map

    return spec, apply_class_map(ds, class_map)


def check_data_matches(model, ds, spec: str) -> tuple[int, int]:
    """(size, channels) of ``model``'s input; :class:`DataMismatchError` when ``ds`` cannot score it:
    images of a fixed size or channels other than the model's (:mod:`core.data.fit`), or another number
    of classes."""
    from ..models.loading import check_input_compatible

    shape = tuple(model.input_shape)
    size, channels = int(shape[1]), int(shape[-1])
    image_shape = getattr(ds, "image_shape", None)
    try:
        check_input_compatible(model, image_shape or (size, size, channels), source=f"data {spec}")
    except ValueError as exc:
        raise DataMismatchError(str(exc)) from None
    from ..data.fit import native_shape_problem

    problem = native_shape_problem(image_shape, size, channels, f"data {spec}", model.name)
    if problem is not None:
        raise DataMismatchError(problem)
    from ..data.classes import check_classifier

    try:
        check_classifier(model.output_shape, ds, model.name)
    except ValueError as exc:
        raise DataMismatchError(str(exc)) from None
    return size, channels


def simulated_model(session, model=None, weights: str = "per-channel"):
    """(:class:`~core.simulate.model.SimulatedModel`, the loaded model) of a session's plan."""
    from ..models.loading import load_model
    from ..simulate.model import SimulatedModel

    model = model if model is not None else load_model(session.require_model())
    return SimulatedModel(model, session.plan.tensors, session.plan.ranges(), weights=weights,
                          weight_plan=session.plan), model


def evaluate_session(session_path: str, data: str | None = None, limit: int | None = None,
                     reference: str | None = None, weights: str = "per-channel", model_path: str | None = None,
                     path=None, skip_bad: bool = False, threads: int = 1, progress=NULL_PROGRESS, warn=None,
                     class_map: str | None = None):
    """Top-1/top-5 and per-class accuracy of the session's plan through the simulation on ``data``'s test
    split (default: the session's own data), with ``reference``'s top-1 agreement: an
    :class:`~core.evaluate.EvalResult` with ``simulated`` set and no latency (nothing ran on LiteRT).
    ``class_map``: a ``--class-map`` file naming the model's outputs (:mod:`core.data.classes`)."""
    from ..evaluate import BATCH, EvalResult, _per_class, _Run, predict
    from ..models.convention import resolve_convention
    from .inputs import load_session

    session = load_session(session_path, model_path)
    spec, ds = session_data(session, data, path, skip_bad, warn, class_map)
    ds = ds.limit(limit)
    if len(ds) == 0:
        raise ValueError(f"{spec}: no images to evaluate on")
    progress.update(0, 1, "building the simulated int8 model")
    sim, model = simulated_model(session, weights=weights)
    size, channels = check_data_matches(model, ds, spec)
    conv = resolve_convention(session=session)
    run = _Run("simulated int8", conv)
    t0 = time.perf_counter()
    span = 0.5 if reference else 1.0
    for x, y in ds.batches(size, channels, conv, BATCH, progress.sub(0.0, span, 1.0)):
        run.add(sim.run(x), y)
    seconds = time.perf_counter() - t0
    pred, hit5, labels = run.arrays()
    res = EvalResult(model=str(session_path), kind="simulated int8", data=spec, n_images=len(labels),
                     top1=float(np.mean(pred == labels)), top5=float(np.mean(hit5)),
                     per_class=_per_class(pred, labels, ds.class_names),
                     class_index={ds.class_names[c]: int(c) for c in np.unique(labels)}, latency_ms_median=None,
                     latency_ms_p90=None, threads=threads, predictions=pred, input_convention=conv.to_dict(),
                     skipped_images=len(ds.skipped), simulated=True, weights=weights,
                     simulation_s=round(seconds, 3))
    if reference:
        ref_run, ref_name, _ = predict(reference, ds, threads, progress.sub(0.5, 0.5, 1.0), None, warn)
        ref_pred = ref_run.arrays()[0]
        if len(ref_pred) != len(pred):
            raise ValueError(f"{spec}: {len(pred)} images were read for the simulation but {len(ref_pred)} "
                             f"for {ref_name}")
        res.agreement = float(np.mean(ref_pred == pred))
        res.reference = ref_name
    return res


class NoLiveDataError(ValueError):
    """The session's data cannot give a live set (its spec no longer resolves, or nothing is held out)."""


def live_set_data(calibration: dict, n_images: int, data: str | None = None, path=None,
                  class_map: str | None = None):
    """(spec, ``n_images`` held-out images of the session's data): its test split, without the images
    calibration used when the spec has no separate test split (a folder, or a spec naming its split);
    a fixed subset (seed 0) in file order. :class:`NoLiveDataError` names the spec when it no longer
    resolves or holds nothing besides the calibration images. ``class_map``: a ``--class-map`` file
    naming the model's outputs (:mod:`core.data.classes`); one it cannot apply is a :class:`DataMismatchError`."""
    from ..data import load_dataset
    from ..data.source import per_class_index

    spec = data or (calibration or {}).get("data")
    if not spec:
        raise NoLiveDataError("the session records no data spec: choose the live set's data")
    try:
        ds = load_dataset(spec, default_split="test", path=path)
        calib = load_dataset(spec, default_split="train", path=path)
    except (OSError, ValueError) as exc:
        raise NoLiveDataError(f"the data spec {spec!r} no longer resolves ({exc}): choose the live set's data") \
            from None
    pool = np.arange(len(ds))
    # one split (a folder, a spec naming its split) and it is the one calibrated on: leave calibration's images out
    calibrated_on = spec == (calibration or {}).get("data")
    if calibrated_on and getattr(ds, "source", None) == getattr(calib, "source", None):
        per_class, limit = (calibration or {}).get("per_class"), (calibration or {}).get("limit")
        used = (per_class_index(ds.labels, ds.num_classes, int(per_class)) if per_class else pool)[:limit]
        pool = np.setdiff1d(pool, used)
    if len(pool) == 0:
        raise NoLiveDataError(f"{spec}: every image was used for calibration; choose other data for the live set")
    from ..data.classes import apply_class_map

    try:
        ds = apply_class_map(ds, class_map)
    except (OSError, ValueError) as exc:
        raise DataMismatchError(str(exc)) from None
    pick = np.sort(np.random.default_rng(0).permutation(pool)[:n_images])
    out = ds.subset(pick)
    out.source = spec
    return spec, out


def build_live_set(model_path: str, tensors, ranges: dict, weight_plan, convention: dict, calibration: dict,
                   n_images: int | None = None, data: str | None = None, weights: str = "per-channel",
                   progress=NULL_PROGRESS, class_map: str | None = None):
    """The warm :class:`~core.simulate.live.LiveSet` of a plan (its simulated model built, its float
    reference and first figures computed) on ``n_images`` held-out images (default
    :func:`~core.simulate.live.default_live_size` of the input size), labelled by ``class_map`` when
    given (a ``--class-map`` file); ``.spec`` names the data.
    :class:`NoLiveDataError` / :class:`DataMismatchError` when the data cannot score the model."""
    from ..models.convention import InputConvention
    from ..models.loading import load_model
    from ..simulate.live import LiveSet, default_live_size, live_batch
    from ..simulate.model import SimulatedModel, simulated_float

    progress.update(0, 4, "loading the model")
    model = load_model(model_path)
    size = int(model.input_shape[1])
    spec, ds = live_set_data(calibration, n_images or default_live_size(size), data, class_map=class_map)
    size, channels = check_data_matches(model, ds, spec)
    progress.update(1, 4, f"reading {len(ds)} live images of {spec}")
    conv = InputConvention.from_dict(convention)
    parts = list(ds.batches(size, channels, conv, 250))
    x = np.concatenate([p[0] for p in parts]).astype(np.float32)
    y = np.concatenate([p[1] for p in parts])
    progress.check_cancelled()
    progress.update(2, 4, "building the simulated int8 model")
    sim = SimulatedModel(model, tensors, ranges, weights=weights, weight_plan=weight_plan)
    progress.update(3, 4, "scoring the live set")
    live = LiveSet(sim, x, y if len(y) == len(x) else None, simulated_float(model, sim.folded),
                   batch_size=live_batch(size), progress=progress)
    live.spec = spec
    return live
