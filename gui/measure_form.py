"""The Device panel's measurement form: the tools to push and the options of a run, remembered in QSettings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from core.device import DEFAULT_REMOTE_DIR, DELEGATES, BenchmarkConfig, MeasureConfig

TOOLS_NOTE = ("benchmark_model and run_eval are the prebuilt Android binaries linked from the TensorFlow Lite "
              "performance-measurement docs (<a href='https://www.tensorflow.org/lite/performance/measurement'>"
              "tensorflow.org/lite/performance/measurement</a>): download them there yourself and choose them here; "
              "qftune never downloads anything.")

_TEXTS = {"benchmark_tool": "bench_tool", "eval_tool": "eval_tool", "pin": "pin", "remote_dir": "remote_dir"}
_NUMBERS = ("rounds", "threads", "runs", "eval_images")


class MeasureForm(QGroupBox):
    """Tool paths and run options; :meth:`config` turns them into a ``core.device.MeasureConfig``.

    ``changed()`` is emitted when a tool path is edited (the panel re-checks its button).
    """

    changed = Signal()

    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__("Tools and options", parent)
        self._settings = settings
        form = QFormLayout(self)
        form.setContentsMargins(4, 2, 4, 2)
        self.bench_tool, self.eval_tool = QLineEdit(), QLineEdit()
        self.bench_tool.setPlaceholderText("android_aarch64_benchmark_model (downloaded by you)")
        self.eval_tool.setPlaceholderText("optional: imagenet_image_classification run_eval, for accuracy")
        for edit, label in ((self.bench_tool, "benchmark_model"), (self.eval_tool, "run_eval")):
            row = QHBoxLayout()
            browse = QPushButton("Browse…")
            browse.clicked.connect(lambda _=False, e=edit, t=label: self._browse(e, t))
            edit.textChanged.connect(lambda *_: self.changed.emit())
            row.addWidget(edit)
            row.addWidget(browse)
            form.addRow(label, row)
        self.tools_note = QLabel(TOOLS_NOTE)
        self.tools_note.setObjectName("toolsNote")
        self.tools_note.setWordWrap(True)
        self.tools_note.setOpenExternalLinks(True)
        self.tools_note.setStyleSheet("color: #555")
        form.addRow(self.tools_note)
        opts = QHBoxLayout()
        self.rounds, self.threads, self.runs, self.eval_images = QSpinBox(), QSpinBox(), QSpinBox(), QSpinBox()
        for spin, lo, hi, val, name in ((self.rounds, 1, 1000, 5, "rounds"), (self.threads, 1, 8, 1, "threads"),
                                        (self.runs, 1, 100000, 50, "runs"),
                                        (self.eval_images, 1, 100000, 2000, "images")):
            spin.setRange(lo, hi)
            spin.setValue(val)
            opts.addWidget(QLabel(name))
            opts.addWidget(spin)
        form.addRow(opts)
        more = QHBoxLayout()
        self.delegate = QComboBox()
        self.delegate.addItems(list(DELEGATES))
        more.addWidget(QLabel("delegate"))
        more.addWidget(self.delegate)
        self.pin = QLineEdit()
        self.pin.setPlaceholderText("taskset mask, e.g. f0 = big cores")
        self.remote_dir = QLineEdit(DEFAULT_REMOTE_DIR)
        more.addWidget(QLabel("pin"))
        more.addWidget(self.pin)
        more.addWidget(QLabel("remote dir"))
        more.addWidget(self.remote_dir)
        form.addRow(more)
        self.load()

    def config(self, serial: str | None) -> MeasureConfig:
        """The run the form describes, on the device ``serial``."""
        return MeasureConfig(
            benchmark_tool=self.bench_tool.text().strip(), eval_tool=self.eval_tool.text().strip() or None,
            serial=serial, rounds=self.rounds.value(), remote_dir=self.remote_dir.text().strip(),
            eval_images=self.eval_images.value(),
            bench=BenchmarkConfig(threads=self.threads.value(), runs=self.runs.value(),
                                  delegate=self.delegate.currentText(), pin_mask=self.pin.text().strip() or None))

    def problem(self) -> str | None:
        """Why the tools as given cannot run, or None."""
        tool = self.bench_tool.text().strip()
        if not tool or not Path(tool).is_file():
            return "Choose the benchmark_model binary for the phone (qftune never downloads it)."
        if self.eval_tool.text().strip() and not Path(self.eval_tool.text().strip()).is_file():
            return f"run_eval binary not found: {self.eval_tool.text().strip()}"
        return None

    def load(self) -> None:
        s = self._settings
        for key, attr in _TEXTS.items():
            value = s.value(f"device/{key}")
            if value:
                getattr(self, attr).setText(str(value))
        for key in _NUMBERS:
            value = s.value(f"device/{key}")
            if value is not None:
                getattr(self, key).setValue(int(value))
        delegate = s.value("device/delegate")
        if delegate in DELEGATES:
            self.delegate.setCurrentText(delegate)

    def save(self) -> None:
        s = self._settings
        for key, attr in _TEXTS.items():
            s.setValue(f"device/{key}", getattr(self, attr).text().strip())
        for key in _NUMBERS:
            s.setValue(f"device/{key}", getattr(self, key).value())
        s.setValue("device/delegate", self.delegate.currentText())
        s.sync()

    def _browse(self, edit: QLineEdit, title: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"Choose the {title} binary for the phone", edit.text())
        if path:
            edit.setText(path)
