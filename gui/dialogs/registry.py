"""Which dialog each job action opens, and how its values become a job.

Every entry declares the same interface, :class:`JobDialog`: the dialog class, a job
factory ``make_job(values, app) -> fn(progress)`` that raises on invalid values (the dialog
then stays open with the error shown), and the job's title while it runs. The factories
of dialogs that need no session ignore ``app``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import (
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
from .options_dialog import OptionsDialog

JobFactory = Callable[[dict, Any], Callable]


@dataclass(frozen=True)
class JobDialog:
    dialog: type[OptionsDialog]
    make_job: JobFactory          # (dialog values, the QftuneApp) -> fn(progress)
    title: str                    # shown in the status bar while the job runs


JOB_DIALOGS: dict[str, JobDialog] = {
    "train": JobDialog(train_dialog.TrainDialog, lambda values, app: train_dialog.make_job(values), "Training"),
    "calibrate": JobDialog(calibrate_dialog.CalibrateDialog,
                           lambda values, app: calibrate_dialog.make_job(values), "Calibrating"),
    "export": JobDialog(export_dialog.ExportDialog, export_dialog.make_job, "Exporting"),
    "evaluate": JobDialog(evaluate_dialog.EvaluateDialog, evaluate_dialog.make_job, "Evaluating"),
    "compare": JobDialog(compare_dialog.CompareDialog, compare_dialog.make_job, "Comparing"),
    "sensitivity": JobDialog(sensitivity_dialog.SensitivityDialog, sensitivity_dialog.make_job, "Sensitivity"),
    "autotune": JobDialog(autotune_dialog.AutotuneDialog, autotune_dialog.make_job, "Autotune"),
    "finetune": JobDialog(finetune_dialog.FinetuneDialog, finetune_dialog.make_job, "Fine-tuning"),
    "equalize": JobDialog(equalize_dialog.EqualizeDialog,
                          lambda values, app: equalize_dialog.make_job(values), "Equalizing"),
}
