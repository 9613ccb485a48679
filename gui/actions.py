"""Every job action of the window, declared once (napari's ``Action`` list is the model).

An :class:`Action` says all the window needs: where it sits (its menu, its text with the mnemonic, tooltip,
shortcut), the dialog it opens and its defaults from the open session, how the dialog's values become a
job (``make_job(values, app) -> fn(progress)``, raising on invalid values: the dialog then stays open with
the error shown), the job's title while it runs, and what is done with its result (``on_done``, one of
:mod:`gui.job_results`). :mod:`gui.menus` builds the menus from :data:`ACTIONS` in its order;
:meth:`gui.app.QftuneApp.open_action` opens any of them.

A new action: its CLI sub-command and ``core/workflows/`` function, its engine call in
:mod:`gui.engine_jobs`, its dialog in ``gui/dialogs/``, and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import job_results
from .dialogs import (
    autotune_dialog,
    calibrate_dialog,
    compare_dialog,
    equalize_dialog,
    evaluate_dialog,
    export_dialog,
    finetune_dialog,
    sensitivity_dialog,
    train_dialog,
)
from .dialogs.options_dialog import OptionsDialog

JobFactory = Callable[[dict, Any], Callable]     # (dialog values, the QftuneApp) -> fn(progress)


def _none(app, **context) -> dict:
    return {}


@dataclass(frozen=True)
class Action:
    id: str                         # also its QAction's object name: f"{id}Action"
    menu: str                       # the menu bar's menu it sits in ("Jobs")
    text: str                       # the menu text, with its mnemonic (&)
    tip: str                        # tooltip and status tip
    dialog: type[OptionsDialog]
    make_job: JobFactory
    title: str                      # shown in the status bar while the job runs
    on_done: Callable               # done(app, result, opened: job_results.Opened)
    defaults: Callable[..., dict] = _none    # defaults(app, **context) -> the dialog's initial values
    shortcut: str | None = None
    confirm: str | None = None      # replaces the open session: ask to save it first, "before <confirm>?"

    @property
    def object_name(self) -> str:
        return f"{self.id}Action"


def _calibrate_defaults(app, model: str | None = None, embedded_problem: str | None = None) -> dict:
    """For the open session, its model and recorded data; for ``model`` just opened, the embedded set unless
    ``embedded_problem`` says why it does not fit."""
    if model is not None:
        return {"model": model, "data": "" if embedded_problem else "embedded"}
    s = app.state.session
    defaults = {"model": (s.model_path if s else "") or ""}
    if s is not None and s.calibration:
        defaults.update({k: s.calibration[k] for k in ("data", "method", "gamma") if k in s.calibration})
    return defaults


def _autotune_defaults(app) -> dict:
    """Data: the session's evaluation split; output: ``<session>_tuned.qft`` where Export would write."""
    stem = Path(app.state.path).stem if app.state.path else "untitled"
    folder = Path(app.export_defaults()["out"]).parent
    return {"data": app.evaluation_data(), "out": str(folder / f"{stem}_tuned.qft")}


def _session_model(app) -> dict:
    s = app.state.session
    return {"model": (s.model_path if s else "") or ""}


ACTIONS: tuple[Action, ...] = (
    Action("train", "Jobs", "&Train…", "Train a MobileNet (qftune train)",
           train_dialog.TrainDialog, lambda values, app: train_dialog.make_job(values), "Training",
           job_results.trained),
    Action("finetune", "Jobs", "&Fine-tune…", "Quantization-aware fine-tuning from the saved plan (qftune finetune)",
           finetune_dialog.FinetuneDialog, finetune_dialog.make_job, "Fine-tuning", job_results.finetuned,
           defaults=lambda app: finetune_dialog.defaults_for(app.state.path, str(app.output_folder()))),
    Action("calibrate", "Jobs", "&Calibrate…", "Collect statistics and choose ranges (qftune calibrate)",
           calibrate_dialog.CalibrateDialog, lambda values, app: calibrate_dialog.make_job(values), "Calibrating",
           job_results.calibrated, defaults=_calibrate_defaults, confirm="calibrating again"),
    Action("export", "Jobs", "&Export…", "Write the int8 .tflite of this plan (qftune export)",
           export_dialog.ExportDialog, export_dialog.make_job, "Exporting", job_results.exported,
           defaults=lambda app: app.export_defaults()),
    Action("evaluate", "Jobs", "E&valuate…", "Float vs int8 accuracy and latency (qftune evaluate)",
           evaluate_dialog.EvaluateDialog, evaluate_dialog.make_job, "Evaluating", job_results.result_shown("evaluate"),
           defaults=lambda app: {"model": app.last_export or "", "data": app.evaluation_data(),
                                 "reference": app.last_float_export or ""}),
    Action("compare", "Jobs", "C&ompare…", "Per-layer SQNR float vs int8 (qftune compare)",
           compare_dialog.CompareDialog, compare_dialog.make_job, "Comparing", job_results.result_shown("compare"),
           defaults=lambda app: {"tflite": app.last_export or "", "data": app.evaluation_data()}),
    Action("sensitivity", "Jobs", "&Sensitivity…", "Top-1 drop per quantized tensor",
           sensitivity_dialog.SensitivityDialog, sensitivity_dialog.make_job, "Sensitivity",
           job_results.result_shown("sensitivity"), defaults=lambda app: {"data": app.evaluation_data()}),
    Action("autotune", "Jobs", "&Autotune…",
           "The plan of least cost within a top-1 drop target, and its Pareto chart (qftune autotune)",
           autotune_dialog.AutotuneDialog, autotune_dialog.make_job, "Autotune", job_results.autotuned,
           defaults=_autotune_defaults),
    Action("equalize", "Jobs", "E&qualize Model…",
           "Data-free cross-layer equalization of a float model (qftune equalize)",
           equalize_dialog.EqualizeDialog, lambda values, app: equalize_dialog.make_job(values), "Equalizing",
           job_results.equalized, defaults=_session_model),
)

BY_ID: dict[str, Action] = {a.id: a for a in ACTIONS}


def in_menu(menu: str) -> list[Action]:
    """The actions of ``menu`` in declaration order."""
    return [a for a in ACTIONS if a.menu == menu]
