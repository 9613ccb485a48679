"""The Device panel: pick a phone and a .tflite, Deploy & Measure, watch latency and accuracy live.

Self-contained: the main window only creates ``DevicePanel(parent, settings)``, calls
``offer_export(...)`` when an export is written, and may listen to its signals. Its parts
are the device list (:mod:`gui.device_list`), the model to measure (:mod:`gui.model_picker`),
the measurement form (:mod:`gui.measure_form`) and the live plot and results table (:mod:`gui.latency_plot`).
The measurement runs as a job of a :class:`gui.jobs.JobRunner` (``core.workflows.deploy``:
each qftune export checked against its report, then ``core.device.measure``, with the job's
progress; Cancel cancels it); its events reach the UI thread through a queued signal.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.device import DeviceError, MeasureEvent
from core.device.summary import format_ms
from core.workflows.deploy import deploy

from .device_list import DeviceList
from .jobs import Job, JobRunner
from .latency_plot import LatencyPlot, ResultsTable
from .measure_form import MeasureForm
from .model_picker import ModelPicker


class _Events(QObject):
    """Carries ``core.device.measure``'s events from the job's thread onto the UI thread."""

    event = Signal(object)            # core.device.MeasureEvent


class DevicePanel(QWidget):
    """Deploy to a phone and watch latency (per round) and accuracy live.

    Signals: ``devicesChanged(list[DeviceInfo])``, ``roundMeasured(model, round, ms_or_nan)``,
    ``measurementFinished(MeasureReport)``, ``measurementFailed(kind, message)``.
    ``runner``: the :class:`JobRunner` to run the measurement on (default: the panel's own,
    so a measurement and the main window's jobs do not wait for each other).
    """

    devicesChanged = Signal(list)
    roundMeasured = Signal(str, int, float)
    measurementFinished = Signal(object)
    measurementFailed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None, settings: QSettings | None = None, watch: bool = True,
                 runner: JobRunner | None = None):
        super().__init__(parent)
        self._job: Job | None = None
        self.blocked: str | None = None     # why Deploy & Measure waits (another user of the phone): block()
        self.runner = runner if runner is not None else JobRunner(self)
        self.runner.finished.connect(self._job_ended)
        self._events = _Events(self)
        self._events.event.connect(self._on_event)
        self._build(settings if settings is not None else QSettings("qftune", "qftune"), watch)
        self._update_buttons()

    # -- public API ------------------------------------------------------------------------
    @property
    def models(self) -> dict[str, str]:
        """The .tflite files to measure, ``{label: path}``."""
        return self.picker.models

    def set_models(self, models: dict[str, str] | None) -> None:
        """The .tflite files to measure, ``{label: path}``, e.g. ``{"float": f, "int8": q}`` (side by side)."""
        self.picker.set_models(models)

    def set_model_path(self, path: str | None, label: str = "int8") -> None:
        """Shorthand for one model."""
        self.set_models({label: path} if path else {})

    def selected_serial(self) -> str | None:
        return self.devices.selected_serial()

    def start_measurement(self) -> bool:
        """What the Deploy & Measure button does; returns False (with a status message) if it cannot start."""
        if self.is_running():
            return False
        problem = self._start_problem()
        if problem:
            self._status(problem, error=True)
            return False
        self.form.save()
        config = self.form.config(self.selected_serial())
        models, emit = dict(self.models), self._events.event.emit
        self._reset_results()
        self._job = self.runner.start("Deploy & Measure",
                                      lambda progress: deploy(models, config, progress=progress, on_event=emit))
        self._job.progressed.connect(self._on_progress)
        self._status("starting…")
        self._update_buttons()
        return True

    def cancel(self) -> None:
        if self.is_running():
            self._job.cancel()
            self._status("cancelling…")

    def is_running(self) -> bool:
        return self._job is not None and self._job.status == "running"

    def refresh_devices(self) -> None:
        self.devices.refresh()

    def shutdown(self, timeout_ms: int = 15000) -> None:
        """Stop the device watcher and any measurement (the main window calls this on close)."""
        self.devices.stop()
        if self.is_running():
            self._job.cancel()
            self._job.wait(timeout_ms)

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    def offer_export(self, path: str, float_path: str | None = None) -> None:
        """An export just wrote ``path`` (and maybe its float twin): list it first and select it."""
        models = {"int8": str(path)}
        if float_path and Path(float_path).exists():
            models["float"] = str(float_path)
        self.picker.add_choice(models, select=True)

    def plot_has_focus(self) -> bool:
        """The plot was clicked last (it zooms on the wheel then)."""
        return self.plot.zooms_on_wheel()

    # -- layout ----------------------------------------------------------------------------
    def _build(self, settings: QSettings, watch: bool) -> None:
        """Three columns, so the whole panel fits a short dock without scrolling: devices and
        the model to measure | tools and options | the live plot and the results."""
        root = QHBoxLayout(self)
        root.setContentsMargins(4, 2, 4, 2)
        left, middle, right = QVBoxLayout(), QVBoxLayout(), QVBoxLayout()
        root.addLayout(left, 3)
        root.addLayout(middle, 3)
        root.addLayout(right, 4)

        self.devices = DeviceList(watch=watch)
        self.devices.selectionChanged.connect(self._update_buttons)
        self.devices.devicesChanged.connect(self.devicesChanged)
        left.addWidget(self.devices)
        self.picker = ModelPicker()
        self.picker.modelsChanged.connect(lambda _models: self._update_buttons())
        self.model_picker = self.picker.combo
        left.addWidget(self.picker)
        actions = QHBoxLayout()
        self.measure_button = QPushButton("Deploy && Measure")
        self.measure_button.clicked.connect(self.start_measurement)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        actions.addWidget(self.measure_button)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.progress_bar, 1)
        left.addLayout(actions)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        left.addWidget(self.status_label)
        left.addStretch(1)

        self.form = MeasureForm(settings)
        self.form.changed.connect(self._update_buttons)
        middle.addWidget(self.form)
        self.log_toggle = QToolButton()
        self.log_toggle.setText("Raw tool output")
        self.log_toggle.setCheckable(True)
        self.log_toggle.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.log_toggle.setArrowType(Qt.RightArrow)
        self.log_toggle.toggled.connect(self._toggle_log)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(20000)
        self.log.setVisible(False)
        middle.addWidget(self.log_toggle)
        middle.addWidget(self.log, 1)
        middle.addStretch(0)

        self.plot = LatencyPlot()
        right.addWidget(self.plot, 1)
        self.results = ResultsTable()
        right.addWidget(self.results)

    def _toggle_log(self, on: bool) -> None:
        self.log.setVisible(on)
        self.log_toggle.setArrowType(Qt.DownArrow if on else Qt.RightArrow)

    # -- state -----------------------------------------------------------------------------
    def block(self, reason: str | None) -> None:
        """Refuse Deploy & Measure (button disabled, ``reason`` as its tooltip) while another part of the
        window uses the phone (Measure on Device); ``None`` lifts it."""
        self.blocked = reason
        self.measure_button.setToolTip(reason or "")
        self._update_buttons()

    def _start_problem(self) -> str | None:
        if self.blocked:
            return self.blocked
        if not self.models:
            return "No model to measure: export an int8 .tflite first."
        problem = self.form.problem()
        if problem:
            return problem
        if self.selected_serial() is None:
            return "No device selected: plug a phone in with USB debugging enabled."
        if self.runner.busy:
            return f"Wait for {self.runner.current.title} to finish."
        return None

    def _update_buttons(self) -> None:
        running = self.is_running()
        self.measure_button.setEnabled(not running and bool(self.models) and not self.blocked)
        self.cancel_button.setEnabled(running)

    def _status(self, text: str, error: bool = False) -> None:
        self.status_label.setText(f"<span style='color:#c00'>{html.escape(text)}</span>" if error else html.escape(text))

    # -- measurement -----------------------------------------------------------------------
    def _reset_results(self) -> None:
        self.log.clear()
        self.progress_bar.setValue(0)
        self.plot.reset(list(self.models))
        self.results.reset(list(self.models))

    @Slot(object)
    def _on_event(self, e: MeasureEvent) -> None:
        if e.kind == "log":
            self.log.appendPlainText(f"[{e.model} r{e.round}] {e.text}" if e.round else f"[{e.model}] {e.text}")
        elif e.kind == "stage":
            self._status(e.text)
        elif e.kind == "device":
            self._status(f"measuring on {e.data.model} ({e.data.serial}), Android {e.data.android}")
        elif e.kind == "round":
            s = e.data
            ms = s.avg_ms if s.parsed else float("nan")
            if s.parsed:
                self.results.show_round(e.model, ms, self.plot.add_round(e.model, e.round, ms), s.describe())
            else:
                self.results.set_cell(0, e.model, "unparsed",
                                      "could not read a latency from the tool output; see the raw log")
                self.log.appendPlainText(f"[{e.model} r{e.round}] could not parse the summary; raw output above")
            self.roundMeasured.emit(e.model, e.round, ms)
        elif e.kind == "accuracy":
            if e.data is not None:
                self.results.set_cell(3, e.model, f"{e.data.top1 * 100:.2f} %", e.text)
                self.results.set_cell(4, e.model, f"{e.data.num_runs} images on the device")
            else:
                self.results.set_cell(3, e.model, "not measured", e.text)
                self.results.set_cell(4, e.model, e.text)

    @Slot(float, str)
    def _on_progress(self, frac: float, message: str) -> None:
        self.progress_bar.setValue(int(frac * 1000))
        if message:
            self._status(message)

    @Slot(object)
    def _job_ended(self, job: Job) -> None:
        if job is not self._job:
            return                     # another job of a shared runner
        self._update_buttons()
        if job.status == "ok":
            report = job.result
            self.progress_bar.setValue(1000)
            self._status("done: " + ", ".join(
                f"{m} best {format_ms(min(v for v in report.latency_ms(m) if v is not None))} ms"
                for m in report.rounds if any(v is not None for v in report.latency_ms(m))))
            self.measurementFinished.emit(report)
        elif job.status == "cancelled":
            self._status("Cancelled.")
            self.measurementFailed.emit("cancelled", "cancelled")
        else:
            exc = job.exception
            if isinstance(exc, DeviceError):
                kind, message = exc.kind, exc.full_message()
            else:
                kind, message = "error", f"{type(exc).__name__}: {exc}" if exc is not None else job.error[0]
            self._status(message, error=True)
            self.measurementFailed.emit(kind, message)
