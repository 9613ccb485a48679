"""The live figures' engine side (issue 21): the warm simulated int8 model and live set of the open
session, kept in the engine helper process between calls.

These are engine jobs like :mod:`gui.engine_jobs` (plain functions of plain values, run by
:func:`gui.engine_process.remote`, with progress and cancel), but they share state: ``live_open``
builds a :class:`core.simulate.live.LiveSet` and keeps it under the caller's ``key``;
``live_edit`` puts the plan's ranges and kernel entries into it, in place, and re-scores from the
first changed tensor. Only the latest session's live set is kept (memory). No Qt here.
"""

from __future__ import annotations

_LIVE: dict[str, object] = {}


def live_open(progress, key: str, model_path: str, tensors, ranges: dict, weight_plan, convention: dict,
              calibration: dict, n_images: int | None = None, data: str | None = None,
              class_map: str | None = None) -> dict:
    """Build the live set of a session (replacing any other); ``{"figures", "spec", "n_images", "segments"}``,
    or ``{"error": "no-data" | "refused", "message"}`` when the data cannot give one (its spec no longer
    resolves; it does not match the model), never figures of the wrong data."""
    from core.workflows.simulate import DataMismatchError, NoLiveDataError, build_live_set

    _LIVE.clear()
    try:
        live = build_live_set(model_path, tensors, ranges, weight_plan, convention, calibration, n_images, data,
                              progress=progress, class_map=class_map)
    except NoLiveDataError as exc:
        return {"error": "no-data", "message": str(exc)}
    except DataMismatchError as exc:
        return {"error": "refused", "message": f"the live set is refused: {exc}"}
    _LIVE[key] = live
    return {"figures": live.figures.to_dict(), "spec": live.spec, "n_images": live.n_images,
            "segments": len(live.sim.segments)}


def live_edit(progress, key: str, ranges: dict, weight_plan=None) -> dict:
    """Re-score the live set ``key`` with the plan's ``ranges`` and kernel entries: the figures' dict."""
    live = _LIVE.get(key)
    if live is None:
        raise LookupError("the live set is not built (the session was closed or another one opened)")
    return live.edit(ranges, progress=progress, weight_plan=weight_plan).to_dict()


def live_close(progress, key: str) -> None:
    _LIVE.pop(key, None)


def live_check(progress, key: str, tflite: str, ranges: dict, weight_plan=None, weights: str | None = None,
               tolerance: float | None = None) -> dict:
    """After an export: the top-1 agreement of the live simulation at the exported plan with the exported
    ``tflite`` on the live set (:func:`core.simulate.check.check_export`)."""
    from core.simulate.check import TOLERANCE, check_export

    live = _LIVE.get(key)
    if live is None:
        raise LookupError("the live set is not built (the session was closed or another one opened)")
    return check_export(live, tflite, ranges, weight_plan, weights,
                        TOLERANCE if tolerance is None else tolerance, progress=progress)
