"""The Device panel's widgets, laid out in three columns so the whole panel fits a short
dock without scrolling: devices and the model to measure | tools and options | the live
plot and the results. ``build(panel)`` creates them as attributes of the panel."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QListWidget, QPlainTextEdit, QProgressBar, QPushButton, QSizePolicy, QSpinBox,
                               QTableWidget, QToolButton, QVBoxLayout)

from core.device import DEFAULT_REMOTE_DIR, DELEGATES, LPIRC_BUDGET_MS

TOOLS_NOTE = ("benchmark_model and run_eval are the prebuilt Android binaries linked from the TensorFlow Lite "
              "performance-measurement docs (<a href='https://www.tensorflow.org/lite/performance/measurement'>"
              "tensorflow.org/lite/performance/measurement</a>): download them there yourself and choose them here; "
              "qftune never downloads anything.")
ROWS = ["latency, last round (ms)", "latency, best round (ms)", "within 30 ms budget", "top-1 on the device", "note"]


def build(self) -> None:  # noqa: PLR0915 - one widget after another
    """Three columns, so the whole panel fits a short dock without scrolling: devices and
    the model to measure | tools and options | the live plot and the results."""
    root = QHBoxLayout(self)
    root.setContentsMargins(4, 2, 4, 2)
    left, middle, right = QVBoxLayout(), QVBoxLayout(), QVBoxLayout()
    root.addLayout(left, 3)
    root.addLayout(middle, 3)
    root.addLayout(right, 4)

    devices = QGroupBox("Devices (adb)")
    dl = QVBoxLayout(devices)
    dl.setContentsMargins(4, 2, 4, 2)
    self.device_list = QListWidget()
    self.device_list.setMaximumHeight(60)
    self.device_list.currentItemChanged.connect(lambda *_: self._update_buttons())
    self.device_advice = QLabel("looking for devices…")
    self.device_advice.setWordWrap(True)
    dl.addWidget(self.device_list)
    dl.addWidget(self.device_advice)
    left.addWidget(devices)

    model_row = QHBoxLayout()
    self.model_picker = QComboBox()
    self.model_picker.setObjectName("modelPicker")
    self.model_picker.setToolTip("The .tflite to deploy and measure: the last export is preselected; "
                                 "“Choose a .tflite…” measures any other model")
    self.model_picker.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    self.model_picker.setMinimumContentsLength(18)
    self.model_picker.addItem("Choose a .tflite…", None)
    self.model_picker.activated.connect(self._picked)
    model_row.addWidget(QLabel("model"))
    model_row.addWidget(self.model_picker, 1)
    left.addLayout(model_row)
    self.models_label = QLabel("no exported model yet: export an int8 .tflite first")
    self.models_label.setObjectName("modelsLabel")
    self.models_label.setWordWrap(True)
    left.addWidget(self.models_label)
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

    tools = QGroupBox("Tools and options")
    form = QFormLayout(tools)
    form.setContentsMargins(4, 2, 4, 2)
    self.bench_tool, self.eval_tool = QLineEdit(), QLineEdit()
    self.bench_tool.setPlaceholderText("android_aarch64_benchmark_model (downloaded by you)")
    self.eval_tool.setPlaceholderText("optional: imagenet_image_classification run_eval, for accuracy")
    for edit, label in ((self.bench_tool, "benchmark_model"), (self.eval_tool, "run_eval")):
        row = QHBoxLayout()
        browse = QPushButton("Browse…")
        browse.clicked.connect(lambda _=False, e=edit, t=label: self._browse(e, t))
        edit.textChanged.connect(lambda *_: self._update_buttons())
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
                                    (self.runs, 1, 100000, 50, "runs"), (self.eval_images, 1, 100000, 2000, "images")):
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
    middle.addWidget(tools)
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

    self.plot = pg.PlotWidget()
    self.plot.setBackground("w")
    self.plot.setLabel("left", "latency", units="ms")
    self.plot.setLabel("bottom", "round")
    self.plot.addLegend()
    self.plot.setMinimumHeight(120)
    self.plot.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Ignored)   # it takes what is left
    # the wheel over the plot scrolls the panel; it zooms only once the plot has focus (a click)
    self.plot.setFocusPolicy(Qt.ClickFocus)
    self.plot.viewport().installEventFilter(self)
    self.budget_line = pg.InfiniteLine(pos=LPIRC_BUDGET_MS, angle=0, pen=pg.mkPen("#ff7f0e", width=2, style=Qt.DashLine),
                                       label=f"LPIRC budget {LPIRC_BUDGET_MS:.0f} ms",
                                       labelOpts={"position": 0.9, "color": "#ff7f0e"})
    self.plot.addItem(self.budget_line)
    self.plot.setYRange(0, LPIRC_BUDGET_MS * 1.3)
    right.addWidget(self.plot, 1)

    self.results = QTableWidget(len(ROWS), 0)
    self.results.setVerticalHeaderLabels(ROWS)
    self.results.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
    self.results.verticalHeader().setDefaultSectionSize(20)
    self.results.setMaximumHeight(130)
    right.addWidget(self.results)
    self._update_buttons()
