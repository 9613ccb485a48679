"""Autotune…: the options of ``qftune autotune`` on the plan on screen (unsaved edits included); the
result is its Pareto chart (:mod:`gui.pareto_chart`), where a click loads a plan as one undoable change."""

from __future__ import annotations

from core.autotune.options import COSTS, DEFAULT_ALLOW, DEFAULT_HOLDOUT, MOVES, WEIGHT_LIMITS

from ._snapshot import snapshot
from .options_dialog import Field, OptionsDialog


class AutotuneDialog(OptionsDialog):
    title = "Autotune"
    command = "autotune"
    fields = [
        Field("data", "Data", "text", "embedded:eval", "Dataset spec: its test split gives the held-out split (never a "
              "calibration image) and the full evaluation set the best plan is confirmed on"),
        Field("max_drop", "Max drop (pp)", "float", 0.3, "Largest top-1 drop against float allowed, in percentage "
              "points", minimum=0.0, maximum=100.0),
        Field("weights", "Hardware weights", "choice", "any", "per-tensor: an accelerator or DSP that takes only "
              "per-tensor weights; any: per-channel where it pays", list(WEIGHT_LIMITS)),
        Field("allow", "Moves", "text", ",".join(DEFAULT_ALLOW), f"Comma-separated moves it may use: {', '.join(MOVES)} "
              "(float computes an op in float32: the model grows)"),
        Field("cost", "Least cost", "choice", "size", "size: model bytes; latency: also measure LiteRT latency of the "
              "Pareto plans (same threads for every point)", list(COSTS)),
        Field("max_evals", "Max plans", "int", 200, "Score at most this many plans on the held-out split", minimum=1),
        Field("holdout", "Held-out images", "int", DEFAULT_HOLDOUT, "Images in the held-out split", minimum=1),
        Field("out", "Output", "save", "", "The tuned session (S_tuned.qft) and beside it its report "
              "(.autotune.json, .report.html) and confirmed int8 model", file_filter="qftune session (*.qft)"),
        Field("model", "Model", "open", "", "The calibrated Keras model, if it moved since calibration",
              file_filter="Keras model (*.keras *.h5)", optional=True),
    ]


def options_of(values: dict) -> dict:
    """The dialog's values as :class:`core.autotune.options.TuneOptions` keywords, checked (a bad value raises
    and the dialog stays open showing it)."""
    from core.autotune.options import TuneOptions

    opts = TuneOptions(float(values["max_drop"]), cost=values["cost"], weights=values["weights"],
                       allow=str(values["allow"] or ""), max_evals=int(values["max_evals"]),
                       holdout=int(values["holdout"]))
    return opts.to_dict()


def make_job(values: dict, app):
    """``fn(progress) -> the autotune report`` (in the engine process) on a file holding the plan on screen:
    the session's own file when it is saved, else a temporary copy (removed when the job ends)."""
    import shutil
    import tempfile
    from pathlib import Path

    from .. import engine_jobs
    from ..engine_process import remote

    if not values["out"]:
        raise ValueError("choose where to write the tuned session (Output)")
    options = options_of(values)
    snap = snapshot(app, values.get("model"))         # a session whose model is gone is named here
    state = app.state
    tmp = None
    if state.path and not state.dirty:
        session_file = state.path
    else:
        tmp = tempfile.mkdtemp(prefix="qftune-autotune-")
        stem = Path(state.path).stem if state.path else "untitled"
        session_file = str(Path(tmp) / f"{stem}.qft")
        Path(session_file).write_bytes(state.session.to_bytes(Path(session_file)))
    job = remote(engine_jobs.autotune, session=session_file, data=values["data"], options=options,
                 out=values["out"], model=values.get("model") or (snap.model_path if tmp else None))

    def run(progress):
        try:
            return job(progress)
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)

    return run
