"""One widget per step of the story, built once from the cache (so stepping only switches pages).

Every figure a slide shows is a label or a chart filled from ``story.json`` and its files as they
are: the tests read the same labels back and compare them with the cache.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from . import style
from .charts import AccuracyBars, ChannelChart


def _label(text: str, name: str, fraction: float = style.BODY, bold: bool = False, color=None,
           wrap: bool = False) -> QLabel:
    lab = QLabel(text)
    lab.setObjectName(name)
    lab.setProperty("fraction", fraction)
    lab.setProperty("bold", bold)
    lab.setWordWrap(wrap)
    if color is not None:
        lab.setStyleSheet(f"color: {color.name()};")
    return lab


class Slide(QWidget):
    """Title on top, the figure in the middle, one computed sentence below."""

    def __init__(self, step: dict, parent=None):
        super().__init__(parent)
        self.step = step
        self.setObjectName(f"slide_{step.get('kind', 'message')}")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(40, 24, 40, 16)
        self.title = _label(step.get("title", ""), "title", style.TITLE, bold=True, wrap=True)
        lay.addWidget(self.title)
        self.body = QVBoxLayout()
        lay.addLayout(self.body, 1)
        self.sentence = _label(step.get("sentence", ""), "sentence", style.BODY, wrap=True)
        lay.addWidget(self.sentence)

    def apply_size(self, height: int) -> None:
        """Fonts (and thumbnails) for a window ``height`` px high."""
        for lab in self.findChildren(QLabel):
            if lab.property("fraction") is not None:
                lab.setFont(style.font(height, float(lab.property("fraction")), bool(lab.property("bold"))))


class SamplesSlide(Slide):
    """Thumbnails with the model's predicted labels: float (green right, red wrong), or int8 (flips in yellow)."""

    def __init__(self, step: dict, folder: Path, parent=None):
        super().__init__(step, parent)
        self.int8 = step["kind"] == "int8"
        head = QHBoxLayout()
        self.accuracy = _label(style.pct(step["accuracy"]), "accuracy", style.TITLE, bold=True,
                               color=style.ACCENT)
        what = "int8 top-1" if self.int8 else "float top-1"
        head.addWidget(_label(f"{what} on {step['images']:,} images:", "accuracyCaption"))
        head.addWidget(self.accuracy)
        head.addStretch(1)
        if self.int8:
            self.changed = _label(f"{step['changed']:,} predictions change", "changed", color=style.ACCENT)
            head.addWidget(self.changed)
        self.body.addLayout(head)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        self.thumbs, self.captions, self._pixmaps = [], [], []
        cols = min(6, len(step["samples"]))
        for k, s in enumerate(step["samples"]):
            img = QLabel()
            img.setObjectName("sample")
            img.setAlignment(Qt.AlignCenter)
            self._pixmaps.append(QPixmap(str(folder / s["image"])))
            pred = s["int8"] if self.int8 else s["float"]
            right = pred == s["label"]
            color = style.ACCENT if self.int8 and s["flipped"] else (style.GOOD if right else style.BAD)
            cap = _label(pred, "prediction", style.SMALL, bold=self.int8 and s["flipped"], color=color)
            cap.setAlignment(Qt.AlignCenter)
            cap.setToolTip(f"true class: {s['label']}")
            r, c = divmod(k, cols)
            grid.addWidget(img, 2 * r, c)
            grid.addWidget(cap, 2 * r + 1, c)
            self.thumbs.append(img)
            self.captions.append(cap)
        self.body.addLayout(grid, 1)
        legend = ("yellow: the int8 prediction differs from float" if self.int8
                  else "green: right, red: wrong (hover for the true class)")
        self.body.addWidget(_label(legend, "legend", style.SMALL, color=style.DIM))

    def apply_size(self, height: int) -> None:
        super().apply_size(height)
        side = int(height * 0.17)
        for img, pm in zip(self.thumbs, self._pixmaps, strict=True):
            img.setPixmap(pm.scaled(side, side, Qt.KeepAspectRatio, Qt.FastTransformation))


class CauseSlide(Slide):
    def __init__(self, step: dict, arrays: dict, parent=None):
        super().__init__(step, parent)
        head = QHBoxLayout()
        head.addWidget(_label(f"{step['model']} · {step['layer']} ({step['layer_kind']})", "layer", wrap=True), 1)
        self.erased = _label(f"{step['erased']} of {step['channels']} channels erased", "erased", bold=True,
                             color=style.BAD)
        head.addWidget(self.erased)
        self.body.addLayout(head)
        self.chart = ChannelChart(step, arrays)
        self.body.addWidget(self.chart, 1)


class FixSlide(Slide):
    def __init__(self, step: dict, parent=None):
        super().__init__(step, parent)
        head = QHBoxLayout()
        head.addWidget(_label(step["why"], "why", style.SMALL, wrap=True), 1)
        self.accuracy = _label(style.pct(step["accuracy"]), "accuracy", style.TITLE, bold=True, color=style.ACCENT)
        head.addWidget(self.accuracy)
        self.body.addLayout(head)
        self.chart = AccuracyBars(step["bars"])
        self.body.addWidget(self.chart, 1)


class PhoneSlide(Slide):
    def __init__(self, step: dict, parent=None):
        super().__init__(step, parent)
        recorded = step["source"] in ("recorded", "device")
        badge = (f"ON THE PHONE: {step['on']}, measured {step['when']}" if step["source"] == "device"
                 else f"RECORDED {step['when']} on {step['on']}" if recorded else f"HOST, NOT A PHONE: {step['on']}")
        self.source = _label(badge, "source", style.SMALL, bold=True, color=style.GOOD if recorded else style.ACCENT,
                             wrap=True)
        self.body.addWidget(self.source)
        # measured on a phone while preparing: whether that phone is connected now (the window asks adb)
        self.connected = _label("", "connected", style.SMALL, color=style.DIM, wrap=True)
        self.body.addWidget(self.connected)
        self.connected.setVisible(step["source"] == "device")
        grid = QGridLayout()
        for c, text in enumerate(("model", "latency", "top-1")):
            grid.addWidget(_label(text, "header", color=style.DIM), 0, c)
        self.latency, self.accuracy = [], []
        for i, row in enumerate(step["rows"], 1):
            lat = "–" if row["latency_ms"] is None else f"{row['latency_ms']:.2f} ms"
            grid.addWidget(_label(row["label"], f"model_{i - 1}"), i, 0)
            self.latency.append(_label(lat, f"latency_{i - 1}", bold=True))
            self.accuracy.append(_label(style.pct(row["accuracy"]), f"accuracy_{i - 1}", bold=True))
            grid.addWidget(self.latency[-1], i, 1)
            grid.addWidget(self.accuracy[-1], i, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        self.body.addLayout(grid)
        self.body.addStretch(1)

    def set_connected(self, connected: bool | None, why: str = "") -> None:
        """``connected``: the phone the figures were measured on is connected now (None: unknown, ``why``)."""
        name = self.step.get("device_model") or "the phone"
        serial = self.step.get("serial") or ""
        self.connected.setText(f"LIVE: {name} ({serial}) is connected now" if connected
                               else f"{name} ({serial}) is not connected now: figures as measured {self.step['when']}"
                               if connected is False else f"phone connection unknown: {why}")
        self.connected.setStyleSheet(f"color: {(style.GOOD if connected else style.DIM).name()};")


class MessageSlide(Slide):
    """What the window shows without a usable cache: why, and the command that prepares it."""

    def __init__(self, title: str, text: str, parent=None):
        super().__init__({"kind": "message", "title": title, "sentence": text}, parent)
        self.body.addStretch(1)


class PrepareSlide(MessageSlide):
    """The message, and preparing the cache from here: Enter starts, a progress bar, Esc cancels."""

    def __init__(self, title: str, text: str, parent=None):
        super().__init__(title, text, parent)
        from PySide6.QtWidgets import QProgressBar

        self.action = _label("Enter: prepare it now (about 1.5 min for the bundled pair) · Esc: leave", "action",
                             color=style.ACCENT, wrap=True)
        self.body.insertWidget(0, self.action)
        self.bar = QProgressBar()
        self.bar.setObjectName("prepareProgress")
        self.bar.setRange(0, 1000)
        self.bar.hide()
        self.body.insertWidget(1, self.bar)

    def show_progress(self, fraction: float, message: str) -> None:
        self.bar.show()
        self.bar.setValue(int(fraction * 1000))
        self.action.setText(f"Preparing: {message} · Esc: cancel")

    def show_result(self, text: str) -> None:
        self.bar.hide()
        self.action.setText(text)


def build(story: dict, arrays: dict) -> list[Slide]:
    folder = Path(story["folder"])
    out = []
    for step in story["steps"]:
        kind = step["kind"]
        if kind in ("float", "int8"):
            out.append(SamplesSlide(step, folder))
        elif kind == "cause":
            out.append(CauseSlide(step, arrays))
        elif kind == "fix":
            out.append(FixSlide(step))
        else:
            out.append(PhoneSlide(step))
    return out
