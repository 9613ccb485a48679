"""Jobs > Measure on Device (issue 21, "phone in the loop"): the current plan exported (the verified
export path) and scored with LiteRT on the host in the engine process, then measured on the phone
selected in the Device panel with its tools and options (``core.workflows.measure_step``); the
figures are attached to the current undo step, so the live panel's history shows, per step, the
host-simulated figures (:mod:`gui.live_figures`), the host LiteRT ones and the device's side by side
(hover a point of the history, or Edit > Undo/Redo), and the live panel says what the phone measured
for the step on screen. An edit makes a new step: it carries no device figures until measured again.

Without a device, tools, or a session the action is disabled and its tooltip says why. A phone fault
(unplugged, a tool that fails) ends the job with an error naming the phone, the fault and what to do,
and what was kept (the exported file, the host figures); the step gets no phone figures.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from core.device import DeviceError
from core.workflows import measure_step

ATTR = "device_measured"            # the record on an undo command (like live_figures' "live_figures")


class MeasureFailed(Exception):
    """A phone fault during Measure on Device, said as the user needs it: the error box shows no traceback."""

    user_error = True


def fault_message(phone: str, exc: DeviceError, host: dict) -> str:
    """What the user reads when the phone part fails after the host part succeeded."""
    h = host["host_litert"]
    return (f"on {phone}: {exc.full_message()}\n"
            f"Kept: the exported {host['tflite']} and its host LiteRT figures (top-1 {100 * h['top1']:.2f} % on "
            f"{h['images']} images); this undo step has no phone figures.")


def _phone_name(serial: str) -> str:
    """``MODEL (SERIAL)`` read from adb now, or the serial alone: the Device list may show a phone that has just
    (re)connected before its model could be read, and the error of a job on it should still say which phone."""
    from core.device import list_devices

    try:
        info = next((d for d in list_devices() if d.serial == serial and d.model), None)
    except DeviceError:
        info = None
    return info.name if info is not None else serial


class DeviceMeasure(QObject):
    changed = Signal()              # a step got device figures (or the step on screen changed)

    def __init__(self, app, window, menu):
        super().__init__(window)
        self.app, self.state, self.window = app, app.state, window
        self.panel = window.device_panel
        self._base: dict | None = None          # the record of undo step 0 (the session as opened)
        self.job = None
        act = QAction("Measure on &Device", window)
        act.setObjectName("measureOnDeviceAction")
        act.triggered.connect(self.start)
        menu.addAction(act)
        menu.setToolTipsVisible(True)
        self.action = act
        live = window.live_panel
        self.label = QLabel("")
        self.label.setObjectName("live_device")
        self.label.setWordWrap(True)
        live.layout().insertWidget(live.layout().indexOf(live.status), self.label)
        # per step: host LiteRT top-1 (orange squares) and device top-1 (red triangles) over the history line
        self.host_points = pg.ScatterPlotItem(size=9, symbol="s", brush="#ff7f0e", pen=None, hoverable=True,
                                              tip=live._tip)
        self.device_points = pg.ScatterPlotItem(size=11, symbol="t", brush="#d62728", pen=None, hoverable=True,
                                                tip=live._tip)
        live.plot.addItem(self.host_points)
        live.plot.addItem(self.device_points)
        live.step_extra = self.step_lines               # tooltips of the history and of Undo/Redo
        self.state.sessionChanged.connect(self._session_changed)
        self.state.undo_stack.indexChanged.connect(lambda _i: self.refresh())
        live.live.changed.connect(self.refresh)          # the history line is redrawn: keep ours on it
        app.runner.started.connect(lambda _j: self.update_action())
        app.runner.finished.connect(lambda _j: self.update_action())
        if self.panel is not None:
            self.panel.devices.devicesChanged.connect(lambda *_: self.update_action())
            self.panel.devices.selectionChanged.connect(lambda *_: self.update_action())
            self.panel.form.changed.connect(self.update_action)
            self.panel.runner.started.connect(lambda _j: self.update_action())
            self.panel.runner.finished.connect(lambda _j: self.update_action())
        self.update_action()
        self.refresh()

    # ---- figures per undo step --------------------------------------------------------------------
    def step_record(self, index: int) -> dict | None:
        if index == 0:
            return self._base
        cmd = self.state.undo_stack.command(index - 1)
        return getattr(cmd, ATTR, None) if cmd is not None else None

    def current(self) -> dict | None:
        return self.step_record(self.state.undo_stack.index())

    def step_lines(self, index: int) -> list[str]:
        record = self.step_record(index)
        return measure_step.describe(record) if record is not None else []

    def _session_changed(self) -> None:
        self._base = None
        self.update_action()
        self.refresh()

    # ---- the action -------------------------------------------------------------------------------
    def problem(self) -> str | None:
        """Why Measure on Device cannot run now, or None."""
        p = self.panel
        if p is None:
            return "The Device panel is unavailable (see the log)."
        if self.state.session is None:
            return "Open a session first."
        if p.selected_serial() is None:
            return "No device connected: plug a phone in with USB debugging enabled (see the Device panel)."
        tools = p.form.problem()
        if tools:
            return f"{tools} (Device panel, Tools and options)"
        if self.app.runner.busy:
            return f"Wait for {self.app.runner.current.title} to finish."
        if p.is_running():
            return "The Device panel is measuring: wait for it to finish."
        return None

    def update_action(self) -> None:
        why = self.problem()
        self.action.setEnabled(why is None)
        tip = why or (f"Export this plan and measure it on {self.panel.selected_serial()}: latency and accuracy "
                      "attached to the current undo step, beside the host figures")
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)

    def start(self):
        """Export the plan in the engine, then measure the file on the selected phone; None if it cannot start."""
        why = self.problem()
        if why:
            self.window.show_message(why, error=True)
            return None
        from core.models.convention import resolve_convention
        from core.workflows.measure_step import export_and_score, figures, measure_exported

        from .engine_process import remote

        session, stack = self.state.session, self.state.undo_stack
        index = stack.index()
        step = stack.command(index - 1) if index > 0 else None
        from pathlib import Path

        from core.plan.weight_entry import WeightPlan

        plan, model = self.state.plan, session.model_path
        if not model or not Path(model).exists():
            self.window.show_message(f"the calibrated model {model or '(none recorded)'} is missing: cannot export",
                                     error=True)
            return None
        stem = Path(self.state.path).stem if self.state.path else "untitled"
        out = str(self.app.output_folder() / f"{stem}_measured_int8.tflite")
        serial = self.panel.selected_serial()
        info = next((d for d in getattr(self.panel.devices, "devices", []) if d.serial == serial), None)
        phone = f"{info.model} ({serial})" if info is not None and info.model else serial
        config = self.panel.form.config(serial)
        config.eval_data = self.app.evaluation_data()
        host = remote(export_and_score, model_path=str(model), tensors=list(plan.tensors), ranges=plan.ranges(),
                      out=out, weight_plan=WeightPlan.of(plan), convention=resolve_convention(session=session).to_dict(),
                      calibration=dict(session.calibration or {}), data=config.eval_data, limit=config.eval_images)

        def job(progress):
            h = host(progress.sub(0.0, 0.4, 1.0))
            name = phone if info is not None and info.model else _phone_name(serial)
            try:
                device = measure_exported(h["tflite"], config, progress.sub(0.4, 0.6, 1.0))
            except DeviceError as exc:
                raise MeasureFailed(fault_message(name, exc, h)) from exc
            return figures(h, device)

        self.job = self.app.start_job("Measuring on device", job, lambda r: self._done(session, step, index, r))
        if self.job is not None:        # one user of the phone at a time: the panel's own button waits
            self.panel.block("Measure on Device is using the phone: wait for it to finish.")
            self.job.ended.connect(lambda _status: self.panel.block(None))
        return self.job

    def _done(self, session, step, index: int, record: dict) -> None:
        if session is not self.state.session:
            return
        if step is None:
            self._base = record
        else:
            setattr(step, ATTR, record)
        self.app.log(f"measured step {index} on the device: " + "; ".join(measure_step.describe(record)))
        self.refresh()

    # ---- the live panel ----------------------------------------------------------------------------
    def refresh(self) -> None:
        stack = self.state.undo_stack
        record = self.current()
        if record is None:
            self.label.setText("on device: not measured for this step (Jobs > Measure on Device)"
                               if self.state.session is not None else "")
            self.label.setStyleSheet("color: #999")
        else:
            d = record["device"]
            lat = "–" if d.get("latency_ms") is None else f"{d['latency_ms']:.2f} ms"
            acc = "top-1 not measured" if d.get("top1") is None else f"top-1 {100 * d['top1']:.2f} %"
            self.label.setText(f"on {d.get('model') or 'device'}: {lat} · {acc}")
            self.label.setToolTip("\n".join(measure_step.describe(record) + [
                "on the history line: ■ host LiteRT top-1, ▲ device top-1 of each measured step"]))
            self.label.setStyleSheet("")
        xs_h, ys_h, xs_d, ys_d = [], [], [], []
        for i in range(stack.count() + 1):
            r = self.step_record(i)
            if r is None:
                continue
            xs_h.append(i)
            ys_h.append(100 * r["host_litert"]["top1"])
            if r["device"].get("top1") is not None:
                xs_d.append(i)
                ys_d.append(100 * r["device"]["top1"])
        self.host_points.setData(xs_h, ys_h)
        self.device_points.setData(xs_d, ys_d)
        self.window.live_panel.update_step_tips()
        self.changed.emit()
