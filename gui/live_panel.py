"""The live-figures panel beside the histogram (issue 21): what the current plan does to the model.

Shows :class:`gui.live_figures.LiveFigures`: top-1 agreement with the float model, top-1 against the
labels with its 95 % interval ("within noise" when the float model's top-1 lies inside it) and the
output's SQNR, for the live set's images; the previous figures greyed while the new ones are being
computed; and a line of the agreement (and top-1) over the undo history, one point per step, the
current step ringed, each point's figures in its tooltip. When the session's data cannot give a
live set it says why and asks for a data spec and, optionally, a class map (``--class-map``'s file,
for data whose class names are not the model's order).
"""

from __future__ import annotations

import math
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from core.data.classes import CLASS_MAP_HELP

from .live_figures import LiveFigures

GREY = "color: #999"


def format_figures(f: dict | None) -> dict[str, str]:
    """The panel's lines for figures ``f`` (a :meth:`core.simulate.live.LiveFigures.to_dict`)."""
    if f is None:
        return {"agreement": "agrees with float: …", "top1": "", "sqnr": "output SQNR: …"}
    out = {"agreement": f"agrees with float: {100 * f['agreement']:.2f} %",
           "sqnr": "output SQNR: " + ("∞" if math.isinf(f["sqnr_db"]) else f"{f['sqnr_db']:.1f}") + " dB"}
    if f.get("top1") is not None:
        noise = " · within noise" if f.get("within_noise") else ""
        out["top1"] = (f"top-1: {100 * f['top1']:.1f} % [{100 * f['top1_low']:.1f}, {100 * f['top1_high']:.1f}]"
                       f" · float {100 * f['float_top1']:.1f} %{noise}")
    else:
        out["top1"] = "top-1: no labels"
    return out


def format_check(check: dict | None, waiting: bool = False) -> str:
    """The panel's line about the last export's agreement with the simulation (empty before any export)."""
    if check is None:
        return "checking the export against the simulation…" if waiting else ""
    again = " (checking the new export…)" if waiting else ""
    return _format_check(check) + again


def _format_check(check: dict) -> str:
    name = Path(check["path"]).name
    if "error" in check:
        return f"⚠ {name} could not be checked against the simulation: {check['error']}"
    figure = f"{100 * check['agreement']:.1f} % of {check['n_images']} images"
    if check["ok"]:
        return f"the simulation agrees with {name} on {figure}"
    return (f"⚠ the simulation agrees with the exported {name} on only {figure} (tolerance "
            f"{100 * check['tolerance']:.1f} %): read these figures as approximate; the next Export re-checks")


def step_tooltip(index: int, description: str, f: dict | None, extra=()) -> str:
    """``extra``: more lines for the step (the host LiteRT and device figures of Measure on Device)."""
    head = f"step {index}: {description}"
    if f is None:
        return "\n".join([head, "(not scored)", *extra])
    lines = format_figures(f)
    return "\n".join([head] + [lines[k] for k in ("agreement", "top1", "sqnr") if lines[k]] + list(extra))


def breakable(name: str) -> str:
    """A tensor name that a word-wrapping label may break after its '_' and '.' (zero-width spaces): the
    keras.applications names ('expanded_conv_depthwise_relu') are wider than the panel."""
    return name.replace("_", "_\u200b").replace(".", ".\u200b")


class LivePanel(QWidget):
    def __init__(self, state, app_runner=None, parent=None):
        super().__init__(parent)
        self.setObjectName("livePanel")
        self.state = state
        self.live = LiveFigures(state, app_runner, parent=self)
        self.title = QLabel("<b>Live (simulated int8)</b>")
        self.source = QLabel("")
        self.source.setWordWrap(True)
        self.source.setStyleSheet(GREY)
        self.labels = {k: QLabel("") for k in ("agreement", "top1", "sqnr")}
        for k, lab in self.labels.items():
            lab.setObjectName(f"live_{k}")
            lab.setWordWrap(True)
            lab.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.check = QLabel("")
        self.check.setObjectName("live_export_check")
        self.check.setWordWrap(True)
        self.check.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.status = QLabel("")
        self.status.setObjectName("live_status")
        self.status.setWordWrap(True)
        self.data_edit = QLineEdit()
        self.data_edit.setObjectName("live_data")
        self.data_edit.setPlaceholderText("data spec, e.g. folder:PATH")
        self.data_edit.setToolTip("the live set's data (its test split); empty: the session's own data")
        self.class_map_edit = QLineEdit()
        self.class_map_edit.setObjectName("live_class_map")
        self.class_map_edit.setPlaceholderText("class map (optional): labels.txt")
        self.class_map_edit.setToolTip(f"Class map, as --class-map: {CLASS_MAP_HELP}")
        self.data_button = QPushButton("Use data")
        self.data_button.clicked.connect(lambda: self.live.rebuild(data=self.data_edit.text().strip(),
                                                                   class_map=self.class_map_edit.text().strip()))
        self.data_edit.returnPressed.connect(self.data_button.click)
        self.class_map_edit.returnPressed.connect(self.data_button.click)
        row = QHBoxLayout()
        row.addWidget(self.data_edit, 1)
        row.addWidget(self.data_button)
        ask = QVBoxLayout()
        ask.addLayout(row)
        ask.addWidget(self.class_map_edit)
        self.ask = QWidget()
        self.ask.setLayout(ask)
        ask.setContentsMargins(0, 0, 0, 0)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("liveHistory")
        self.plot.setBackground("w")
        self.plot.setMinimumHeight(110)
        self.plot.setMaximumHeight(200)
        self.plot.setLabel("left", "%")
        self.plot.setLabel("bottom", "undo step")
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.agree_line = self.plot.plot([], [], pen=pg.mkPen("#1f77b4", width=2))
        self.top1_line = self.plot.plot([], [], pen=pg.mkPen("#2ca02c", width=2, style=Qt.DashLine))
        self.points = pg.ScatterPlotItem(size=8, brush="#1f77b4", hoverable=True, tip=self._tip)
        self.plot.addItem(self.points)
        self.current = pg.ScatterPlotItem(size=14, pen=pg.mkPen("#d62728", width=2), brush=None)
        self.plot.addItem(self.current)
        for lab in (self.title, self.source, *self.labels.values(), self.status, self.check):
            # a long unbreakable word (a path, a tensor name) is clipped inside its label rather than
            # raising the panel's minimum width past the place the window gives it
            lab.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 0, 6, 0)     # a little air between the history plot and the window edge
        lay.addWidget(self.title)
        lay.addWidget(self.source)
        for lab in self.labels.values():
            lay.addWidget(lab)
        lay.addWidget(self.status)
        lay.addWidget(self.check)
        lay.addWidget(self.ask)
        lay.addWidget(self.plot)
        lay.addStretch(1)
        self.setMinimumWidth(200)
        self.setMaximumWidth(260)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Expanding)
        self.step_extra = lambda index: []      # more tooltip lines per undo step (gui.device_measure)
        self.update_step_tips = lambda: None     # set by describe_actions
        self.live.changed.connect(self.refresh)
        self.refresh()

    # ---- what the tests and the user read ---------------------------------------------------------
    @property
    def shown(self) -> dict | None:
        """The figures on screen (None when none yet)."""
        return self.live.figures

    @property
    def greyed(self) -> bool:
        return self.live.pending or self.live.figures is None

    def _tip(self, x, y, data):
        i = int(round(x))
        cmd = self.state.undo_stack.command(i - 1) if i > 0 else None
        return step_tooltip(i, cmd.text() if cmd is not None else "as opened", self.live.step_figures(i),
                            self.step_extra(i))

    def describe_actions(self, undo, redo) -> None:
        """Hovering Edit > Undo / Redo shows the figures of the step each goes back (or forward) to."""
        def update():
            stack = self.state.undo_stack
            for act, i in ((undo, stack.index() - 1), (redo, stack.index() + 1)):
                if 0 <= i <= stack.count():
                    cmd = stack.command(i - 1) if i > 0 else None
                    act.setToolTip(step_tooltip(i, cmd.text() if cmd is not None else "as opened",
                                                self.live.step_figures(i), self.step_extra(i)))
                else:
                    act.setToolTip("")

        self.update_step_tips = update
        self.live.changed.connect(update)
        self.state.undo_stack.indexChanged.connect(lambda _i: update())
        update()

    def refresh(self) -> None:
        live = self.live
        info = live.info
        mapped = f", classes as in {Path(live.class_map).name}" if info and live.class_map else ""
        self.source.setText(f"{info['n_images']} held-out images of {info['spec']}{mapped}" if info else "")
        texts = format_figures(live.figures)
        for k, lab in self.labels.items():
            lab.setText(texts[k])
            lab.setStyleSheet(GREY if self.greyed else "")
        status = live.message
        if live.status == "ready" and live.figures is not None:
            f = live.figures
            where = breakable(f.get("recomputed_from") or "—")
            status = f"computed from {where} on, in {f.get('seconds', 0):.2f} s"
        elif live.pending and live.status not in ("no-data", "refused", "error"):
            status = "re-scoring…" if live.status != "building" else live.message
        self.status.setText(status)
        self.status.setStyleSheet("color: #b00" if live.status in ("no-data", "refused", "error") else GREY)
        self.ask.setVisible(live.status in ("no-data", "refused"))
        check = live.export_check
        self.check.setText(format_check(check, live.checking))
        warn = check is not None and ("error" in check or not check["ok"])
        self.check.setStyleSheet("color: #b00; font-weight: bold" if warn else GREY)
        self.check.setVisible(bool(self.check.text()))
        self._plot_history()

    def _plot_history(self) -> None:
        hist = self.live.history()
        xs = [i for i, f in enumerate(hist) if f is not None]
        agree = [100 * hist[i]["agreement"] for i in xs]
        top1 = [100 * hist[i]["top1"] for i in xs if hist[i].get("top1") is not None]
        self.agree_line.setData(xs, agree)
        self.top1_line.setData(xs if len(top1) == len(xs) else [], top1 if len(top1) == len(xs) else [])
        self.points.setData(xs, agree)
        self.plot.setXRange(-0.5, max(1, len(hist) - 1) + 0.5, padding=0)
        i = self.state.undo_stack.index()
        f = hist[i] if i < len(hist) else None
        self.current.setData([i] if f is not None else [], [100 * f["agreement"]] if f is not None else [])
