"""The Device panel: live device list, tool paths, Deploy & Measure with a live latency plot.

Self-contained: the main window only creates ``DevicePanel(parent, settings)``, calls
``set_models({...})`` when the exported model(s) change, and may listen to its signals.
All phone work runs in a worker QThread through ``core.device.measure``; the device list
comes from ``core.device.DeviceWatcher`` (polls every second, so hot-plug shows within 2 s).
"""

from __future__ import annotations

import html
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (QApplication, QFileDialog, QLineEdit, QListWidgetItem, QScrollArea, QTableWidgetItem,
                               QWidget)

from core.device import (DELEGATES, LPIRC_BUDGET_MS, BenchmarkConfig, DeviceError, DeviceWatcher,
                         MeasureConfig, MeasureEvent, measure)
from core.device.summary import format_ms
from core.progress import Cancelled, Progress

from .device_layout import ROWS

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]


class _Bridge(QObject):
    """Carries the watcher thread's callbacks onto the UI thread."""

    devices = Signal(list)
    error = Signal(str)


class _MeasureThread(QThread):
    event = Signal(object)            # core.device.MeasureEvent
    progressed = Signal(float, str)
    finished_ok = Signal(object)      # MeasureReport
    failed = Signal(str, str)         # kind, message (with advice)

    def __init__(self, models: dict[str, str], config: MeasureConfig):
        super().__init__()
        self.models, self.config = models, config
        self.progress = Progress(lambda done, total, msg: self.progressed.emit(done / total if total else 0.0, msg))

    def run(self) -> None:
        try:
            report = measure(self.models, self.config, progress=self.progress, on_event=self.event.emit)
        except Cancelled:
            self.failed.emit("cancelled", "cancelled")
        except DeviceError as exc:
            self.failed.emit(exc.kind, exc.full_message())
        except Exception as exc:  # noqa: BLE001 - shown to the user, the panel stays usable
            self.failed.emit("error", f"{type(exc).__name__}: {exc}")
        else:
            self.finished_ok.emit(report)


class DevicePanel(QWidget):
    """Deploy to a phone and watch latency (per round) and accuracy live.

    Signals: ``devicesChanged(list[DeviceInfo])``, ``roundMeasured(model, round, ms_or_nan)``,
    ``measurementFinished(MeasureReport)``, ``measurementFailed(kind, message)``.
    """

    devicesChanged = Signal(list)
    roundMeasured = Signal(str, int, float)
    measurementFinished = Signal(object)
    measurementFailed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None, settings: QSettings | None = None, watch: bool = True):
        super().__init__(parent)
        self._settings = settings if settings is not None else QSettings("qftune", "qftune")
        self._models: dict[str, str] = {}
        self._thread: _MeasureThread | None = None
        self._devices: list = []
        self._points: dict[str, list[tuple[int, float]]] = {}
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._build()
        self._load_settings()
        self._bridge = _Bridge(self)
        self._bridge.devices.connect(self._on_devices)
        self._bridge.error.connect(self._on_watch_error)
        self._watcher = DeviceWatcher(self._bridge.devices.emit, lambda e: self._bridge.error.emit(e.full_message()))
        if watch:
            self._watcher.start()

    # -- public API ------------------------------------------------------------------------
    def set_models(self, models: dict[str, str] | None) -> None:
        """The .tflite files to measure, ``{label: path}``, e.g. ``{"float": f, "int8": q}`` (side by side)."""
        self._models = {k: str(v) for k, v in (models or {}).items() if v}
        self.models_label.setText(", ".join(f"{k}: {Path(v).name}" for k, v in self._models.items()) or
                                  "no exported model yet: export an int8 .tflite first, or choose one")
        self.models_label.setToolTip("\n".join(f"{k}: {v}" for k, v in self._models.items()))
        if self._models and not any(self.model_picker.itemData(i) == self._models
                                    for i in range(self.model_picker.count())):
            self._add_choice(self._models, select=False)
        self._select_current()
        self._update_buttons()

    def set_model_path(self, path: str | None, label: str = "int8") -> None:
        """Shorthand for one model."""
        self.set_models({label: path} if path else {})

    def selected_serial(self) -> str | None:
        item = self.device_list.currentItem()
        return item.data(Qt.UserRole) if item is not None else None

    def start_measurement(self) -> bool:
        """What the Deploy & Measure button does; returns False (with a status message) if it cannot start."""
        if self.is_running():
            return False
        problem = self._start_problem()
        if problem:
            self._status(problem, error=True)
            return False
        self._save_settings()
        config = MeasureConfig(
            benchmark_tool=self.bench_tool.text().strip(), eval_tool=self.eval_tool.text().strip() or None,
            serial=self.selected_serial(), rounds=self.rounds.value(), remote_dir=self.remote_dir.text().strip(),
            eval_images=self.eval_images.value(),
            bench=BenchmarkConfig(threads=self.threads.value(), runs=self.runs.value(),
                                  delegate=self.delegate.currentText(), pin_mask=self.pin.text().strip() or None))
        self._reset_results()
        self._thread = _MeasureThread(dict(self._models), config)
        self._thread.event.connect(self._on_event)
        self._thread.progressed.connect(self._on_progress)
        self._thread.finished_ok.connect(self._on_finished)
        self._thread.failed.connect(self._on_failed)
        self._thread.finished.connect(self._update_buttons)
        self._thread.start()
        self._status("starting…")
        self._update_buttons()
        return True

    def cancel(self) -> None:
        if self._thread is not None:
            self._thread.progress.cancel()
            self._status("cancelling…")

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def refresh_devices(self) -> None:
        self._watcher.poll()

    def shutdown(self, timeout_ms: int = 15000) -> None:
        """Stop the device watcher and any measurement (the main window calls this on close)."""
        self._watcher.stop()
        if self._thread is not None:
            self._thread.progress.cancel()
            self._thread.wait(timeout_ms)

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        from .device_layout import build

        build(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.MouseButtonPress and obj is self.plot.viewport():
            self.plot.setFocus(Qt.MouseFocusReason)
        if event.type() == QEvent.Wheel and obj is self.plot.viewport() and not self.plot_has_focus():
            area = self._scroll_area()
            if area is not None:
                QApplication.sendEvent(area.verticalScrollBar(), event)
                return True
        return super().eventFilter(obj, event)

    def plot_has_focus(self) -> bool:
        """The plot was clicked last (it zooms on the wheel then)."""
        return self.plot.hasFocus() or self.plot.window().focusWidget() is self.plot

    def _scroll_area(self) -> QScrollArea | None:
        w = self.parentWidget()
        while w is not None and not isinstance(w, QScrollArea):
            w = w.parentWidget()
        return w

    # -- the model to measure ----------------------------------------------------------------
    def offer_export(self, path: str, float_path: str | None = None) -> None:
        """An export just wrote ``path`` (and maybe its float twin): list it first and select it."""
        models = {"int8": str(path)}
        if float_path and Path(float_path).exists():
            models["float"] = str(float_path)
        self._add_choice(models, select=True)

    def _add_choice(self, models: dict[str, str], select: bool) -> None:
        main = next(iter(models.values()))
        for i in range(self.model_picker.count()):
            data = self.model_picker.itemData(i)
            if data and next(iter(data.values())) == main:
                self.model_picker.removeItem(i)
                break
        text = Path(main).name + (" + float twin" if len(models) > 1 else "")
        self.model_picker.insertItem(0, text, dict(models))
        self.model_picker.setItemData(0, "\n".join(f"{k}: {v}" for k, v in models.items()), Qt.ToolTipRole)
        if select:
            self.model_picker.setCurrentIndex(0)
            self.set_models(models)

    def _picked(self, index: int) -> None:
        data = self.model_picker.itemData(index)
        if data:
            self.set_models(data)
            return
        from .folders import last_folder, remember_folder

        start = str(Path(next(iter(self._models.values()))).parent) if self._models else last_folder()
        path, _ = QFileDialog.getOpenFileName(self, "Choose the .tflite to measure", start,
                                              "TFLite model (*.tflite);;All files (*)")
        if path:
            remember_folder(path)
            self._add_choice({"int8" if "int8" in Path(path).name else Path(path).stem: path}, select=True)
        else:
            self._select_current()

    def _select_current(self) -> None:
        for i in range(self.model_picker.count()):
            if self.model_picker.itemData(i) == self._models:
                self.model_picker.setCurrentIndex(i)
                return

    def _toggle_log(self, on: bool) -> None:
        self.log.setVisible(on)
        self.log_toggle.setArrowType(Qt.DownArrow if on else Qt.RightArrow)

    def _browse(self, edit: QLineEdit, title: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"Choose the {title} binary for the phone", edit.text())
        if path:
            edit.setText(path)

    # -- settings --------------------------------------------------------------------------
    _KEYS = {"benchmark_tool": "bench_tool", "eval_tool": "eval_tool", "pin": "pin", "remote_dir": "remote_dir"}

    def _load_settings(self) -> None:
        s = self._settings
        for key, attr in self._KEYS.items():
            value = s.value(f"device/{key}")
            if value:
                getattr(self, attr).setText(str(value))
        for key in ("rounds", "threads", "runs", "eval_images"):
            value = s.value(f"device/{key}")
            if value is not None:
                getattr(self, key).setValue(int(value))
        delegate = s.value("device/delegate")
        if delegate in DELEGATES:
            self.delegate.setCurrentText(delegate)

    def _save_settings(self) -> None:
        s = self._settings
        for key, attr in self._KEYS.items():
            s.setValue(f"device/{key}", getattr(self, attr).text().strip())
        for key in ("rounds", "threads", "runs", "eval_images"):
            s.setValue(f"device/{key}", getattr(self, key).value())
        s.setValue("device/delegate", self.delegate.currentText())
        s.sync()

    # -- state -----------------------------------------------------------------------------
    def _start_problem(self) -> str | None:
        if not self._models:
            return "No model to measure: export an int8 .tflite first."
        tool = self.bench_tool.text().strip()
        if not tool or not Path(tool).is_file():
            return "Choose the benchmark_model binary for the phone (qftune never downloads it)."
        if self.eval_tool.text().strip() and not Path(self.eval_tool.text().strip()).is_file():
            return f"run_eval binary not found: {self.eval_tool.text().strip()}"
        if self.selected_serial() is None:
            return "No device selected: plug a phone in with USB debugging enabled."
        return None

    def _update_buttons(self) -> None:
        running = self.is_running()
        self.measure_button.setEnabled(not running and bool(self._models))
        self.cancel_button.setEnabled(running)

    def _status(self, text: str, error: bool = False) -> None:
        self.status_label.setText(f"<span style='color:#c00'>{html.escape(text)}</span>" if error else html.escape(text))

    # -- device list -----------------------------------------------------------------------
    @Slot(list)
    def _on_devices(self, devices: list) -> None:
        current = self.selected_serial()
        self._devices = devices
        self.device_list.clear()
        for d in devices:
            text = (f"{d.model} — {d.serial} (Android {d.android}, {d.abi})" if d.ready
                    else f"{d.serial} — {d.state}")
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, d.serial)
            item.setToolTip(d.advice or text)
            self.device_list.addItem(item)
            if d.serial == current or (current is None and d.ready):
                self.device_list.setCurrentItem(item)
                current = d.serial
        problems = [f"{d.serial}: {d.state}. {d.advice}" for d in devices if not d.ready]
        self.device_advice.setText("\n".join(problems) if problems else
                                   ("no devices: plug a phone in with USB debugging enabled" if not devices else ""))
        self._update_buttons()
        self.devicesChanged.emit(devices)

    @Slot(str)
    def _on_watch_error(self, message: str) -> None:
        self.device_list.clear()
        self.device_advice.setText(message)

    # -- measurement -----------------------------------------------------------------------
    def _reset_results(self) -> None:
        self.log.clear()
        self.progress_bar.setValue(0)
        for curve in self._curves.values():
            self.plot.removeItem(curve)
        self._curves, self._points = {}, {}
        self.results.setColumnCount(len(self._models))
        self.results.setHorizontalHeaderLabels(list(self._models))
        for i, label in enumerate(self._models):
            self._points[label] = []
            self._curves[label] = self.plot.plot([], [], pen=pg.mkPen(COLORS[i % len(COLORS)], width=2),
                                                 symbol="o", symbolSize=6, name=label)
            for r in range(len(ROWS)):
                self.results.setItem(r, i, QTableWidgetItem("—"))

    def _cell(self, row: int, model: str, text: str, tip: str = "") -> None:
        col = list(self._models).index(model) if model in self._models else -1
        if col >= 0:
            item = QTableWidgetItem(text)
            item.setToolTip(tip or text)
            self.results.setItem(row, col, item)

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
                pts = self._points.setdefault(e.model, [])
                pts.append((e.round, ms))
                self._curves[e.model].setData([p[0] for p in pts], [p[1] for p in pts])
                top = max([LPIRC_BUDGET_MS * 1.3] + [p[1] * 1.15 for ps in self._points.values() for p in ps])
                self.plot.setYRange(0, top)
                best = min(p[1] for p in pts)
                self._cell(0, e.model, format_ms(ms), s.describe())
                self._cell(1, e.model, format_ms(best))
                self._cell(2, e.model, "yes" if best <= LPIRC_BUDGET_MS else f"no (+{best - LPIRC_BUDGET_MS:.1f} ms)")
            else:
                self._cell(0, e.model, "unparsed", "could not read a latency from the tool output; see the raw log")
                self.log.appendPlainText(f"[{e.model} r{e.round}] could not parse the summary; raw output above")
            self.roundMeasured.emit(e.model, e.round, ms)
        elif e.kind == "accuracy":
            if e.data is not None:
                self._cell(3, e.model, f"{e.data.top1 * 100:.2f} %", e.text)
                self._cell(4, e.model, f"{e.data.num_runs} images on the device")
            else:
                self._cell(3, e.model, "not measured", e.text)
                self._cell(4, e.model, e.text)

    @Slot(float, str)
    def _on_progress(self, frac: float, message: str) -> None:
        self.progress_bar.setValue(int(frac * 1000))
        if message:
            self._status(message)

    def _join_thread(self) -> None:
        if self._thread is not None:
            self._thread.wait(5000)  # run() returns right after emitting its last signal

    @Slot(object)
    def _on_finished(self, report) -> None:
        self._join_thread()
        self.progress_bar.setValue(1000)
        self._status("done: " + ", ".join(
            f"{m} best {format_ms(min(v for v in report.latency_ms(m) if v is not None))} ms"
            for m in report.rounds if any(v is not None for v in report.latency_ms(m))))
        self._update_buttons()
        self.measurementFinished.emit(report)

    @Slot(str, str)
    def _on_failed(self, kind: str, message: str) -> None:
        self._join_thread()
        self._status("Cancelled." if kind == "cancelled" else message, error=kind != "cancelled")
        self._update_buttons()
        self.measurementFailed.emit(kind, message)
