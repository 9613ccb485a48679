"""What the window does with each job action's result: the on-done handlers of :mod:`gui.actions`.

Each handler is ``done(app, result, opened)``: ``app`` is the :class:`gui.app.QftuneApp`, ``result`` what the
job returned (:mod:`gui.engine_jobs`), ``opened`` the :class:`Opened` record of the moment its dialog opened
(the session then on screen, and the arguments the dialog was opened with), for handlers whose answer
depends on it (Calibrate: a new calibration of the saved session offers to keep its overrides).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox


@dataclass(frozen=True)
class Opened:
    session: Any = None             # the session on screen when the dialog opened
    dirty: bool = False             # whether it had unsaved edits then
    context: dict = field(default_factory=dict)     # the keyword arguments of QftuneApp.open_action


def result_shown(kind: str):
    """The handler of a job whose result the Results panel shows as ``kind`` (Evaluate, Compare, Sensitivity)."""
    def done(app, result, opened: Opened) -> None:
        app.state.set_result(kind, result)

    return done


def trained(app, log: dict, opened: Opened) -> None:
    app.log(f"training finished: {len(log.get('epochs', []))} epochs")


def calibrated(app, session, opened: Opened) -> None:
    """Jobs > Calibrate… of the open, saved session: the new calibration replaces it and offers to keep the
    overrides the user made; of a model just opened (``opened.context["model"]``): it replaces the session."""
    again = opened.session if opened.context.get("model") is None and not opened.dirty else None
    app.calibrated(session, again)


def finetuned(app, log: dict, opened: Opened) -> None:
    """Say what the run wrote and offer to open M_qat.qft (its plan holds the trained ranges)."""
    qft = log["session_out"]
    runs = log.get("runs", [])
    resumed = f", resumed at epoch {runs[-1]['initial_epoch']}" if runs and runs[-1].get("from") == "backup" else ""
    app.log(f"fine-tuning finished: {len(log.get('epochs', []))} epochs{resumed}; wrote {log['model']} and {qft}")
    box = QMessageBox(QMessageBox.Question, "qftune — fine-tuning finished", f"Wrote {Path(qft).name}.",
                      QMessageBox.Open | QMessageBox.Close, app.window)
    box.setObjectName("openFinetunedPrompt")
    box.setInformativeText("Open the fine-tuned session? Export goes through the verified path as for any "
                           "session.")
    box.setDefaultButton(QMessageBox.Open)

    def answered(_r):
        if box.clickedButton() is not None and box.standardButton(box.clickedButton()) == QMessageBox.Open:
            app.open(qft)
        box.deleteLater()

    box.finished.connect(answered)
    box.open()


def exported(app, report: dict, opened: Opened) -> None:
    """The int8 file written (``report``: the export report as plain data, :meth:`ExportReport.to_dict`):
    remembered for Evaluate/Compare, checked against the live simulation, offered to the Device panel."""
    app.last_export = report["path"]
    app.last_float_export = report.get("float_path") or None
    app.state.set_result("export", report)
    live = getattr(app.window, "live_panel", None)
    if live is not None:       # the simulation measured against what was just exported (issue 21)
        live.live.check_export(report)
    panel = getattr(app.window, "device_panel", None)
    if panel is not None:
        panel.offer_export(report["path"], app.last_float_export)
    app.log(f"wrote {report['path']} ({report['size_bytes'] / 1024:.1f} KiB, {report['weights']} weights): "
            f"{len(report['tensors'])} tensors verified against the plan")


def equalized(app, r: dict, opened: Opened) -> None:
    """The equalized model written (``r``: what ``qftune equalize --json`` prints): calibrated on the data the
    session was calibrated on, then shown."""
    from core.equalize.report import depthwise_spread

    before, after = depthwise_spread(r["spread"])
    app.log(f"wrote {r['model']}: {len(r['pairs'])} pairs equalized, depthwise spread {before:.2f}x -> "
            f"{after:.2f}x, max rel diff vs the ReLU twin "
            f"{r['check']['max_rel_diff_vs_relu_reference']:.1e}; calibrating it")
    s = app.state.session
    data = ((s.calibration or {}).get("data") if s is not None else None) or "embedded"
    QTimer.singleShot(0, lambda: app.calibrate_model(r["model"], data))   # after this job has ended


def autotuned(app, doc: dict, opened: Opened) -> None:
    """The autotune report: its Pareto chart in ``app.autotune_result`` (made on first use)."""
    from .autotune_result import AutotuneResult

    if app.autotune_result is None:
        app.autotune_result = AutotuneResult(app.state, app.window, app)
    app.state.set_result("autotune", doc)
    app.autotune_result.show(doc)
    app.log(f"autotune: {doc.get('verdict', '')}; wrote {doc.get('out')}")
