"""A small form dialog built from field specs, shared by the job dialogs.

Each job dialog lists its fields (mirroring its CLI sub-command's options) and
turns the values into a job callable ``fn(progress)``; this module only builds
the form and reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)


@dataclass
class Field:
    key: str
    label: str
    kind: str                 # choice | int | float | text | open | save | dir | bool
    default: object = None
    tip: str = ""
    choices: list = field(default_factory=list)
    minimum: float = 0
    maximum: float = 1e9
    file_filter: str = ""
    optional: bool = False    # text/path fields: empty means None
    zero_text: str = ""       # what nothing means: int fields show it instead of "0" ("auto", "all"); text
    #                           and path fields show it greyed while empty ("the current plan, simulated")
    choice_tips: dict = field(default_factory=dict)   # choice fields: choice -> its tooltip in the list


MIN_WIDTH = 640


class OptionsDialog(QDialog):
    title = "Options"
    command = ""              # the CLI sub-command this dialog mirrors (shown to the user)
    fields: list[Field] = []

    def __init__(self, parent=None, defaults: dict | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"qftune — {self.title}")
        self.setObjectName(type(self).__name__)
        self.setMinimumWidth(MIN_WIDTH)           # a path shows from its start, not only its last 30 characters
        self.widgets: dict[str, QWidget] = {}
        # where a relative output path (a "save" field) is taken from: the folder outputs go to by default
        # (beside the session), never the process's working directory, which the user does not see
        self.base_folder: Path | None = None
        form = QFormLayout()
        defaults = defaults or {}
        for f in self.fields:
            w = self._make(f, defaults.get(f.key, f.default))
            label = QLabel(f.label)
            label.setToolTip(f.tip)
            form.addRow(label, w)
        lay = QVBoxLayout(self)
        if self.command:
            hint = QLabel(f"Same options as <code>qftune {self.command}</code>.")
            hint.setObjectName("commandHint")
            lay.addWidget(hint)
        lay.addLayout(form)
        self.error = QLabel("")
        self.error.setObjectName("dialogError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c00")
        self.error.hide()
        lay.addWidget(self.error)
        self.check = None         # values -> job; raises on invalid options (the dialog stays open)
        self.job = None
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Run")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def _make(self, f: Field, value) -> QWidget:
        if f.kind == "choice":
            w = QComboBox()
            w.addItems([str(c) for c in f.choices])
            for i, c in enumerate(f.choices):
                if c in f.choice_tips:
                    w.setItemData(i, f.choice_tips[c], Qt.ToolTipRole)
            if value is not None:
                w.setCurrentText(str(value))
        elif f.kind == "int":
            w = QSpinBox()
            w.setRange(int(f.minimum), int(min(f.maximum, 2**31 - 1)))
            if f.zero_text:
                w.setSpecialValueText(f.zero_text)
            w.setValue(int(value or 0))
        elif f.kind == "float":
            w = QDoubleSpinBox()
            w.setDecimals(6)
            w.setRange(f.minimum, f.maximum)
            w.setValue(float(value or 0.0))
        elif f.kind == "bool":
            w = QCheckBox()
            w.setChecked(bool(value))
        elif f.kind in ("open", "save", "dir"):
            w = _PathEdit(f.kind, f.file_filter)
            w.edit.setText("" if value is None else str(value))
            w.edit.setPlaceholderText(f.zero_text)
        else:
            w = QLineEdit("" if value is None else str(value))
            w.setPlaceholderText(f.zero_text)
        w.setToolTip(f.tip)
        w.setObjectName(f"field_{f.key}")
        self.widgets[f.key] = w
        return w

    def accept(self) -> None:
        """Run: check the options first; on an error show it here and stay open."""
        if self.check is not None:
            try:
                self.job = self.check(self.values())
            except Exception as exc:  # noqa: BLE001 - option errors are shown, nothing runs
                self.show_error(str(exc))
                return
        self.error.hide()
        super().accept()

    def show_error(self, text: str) -> None:
        """A problem with the options, shown in red above the buttons (the dialog stays open)."""
        self.error.setText(text)
        self.error.setToolTip(text)
        self.error.show()

    def set_value(self, key: str, value) -> None:
        w = self.widgets[key]
        if isinstance(w, QComboBox):
            w.setCurrentText(str(value))
        elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
            w.setValue(value)
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, _PathEdit):
            w.edit.setText(str(value))
        else:
            w.setText(str(value))

    def values(self) -> dict:
        out = {}
        for f in self.fields:
            w = self.widgets[f.key]
            if isinstance(w, QComboBox):
                v = w.currentText()
            elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                v = w.value()
            elif isinstance(w, QCheckBox):
                v = w.isChecked()
            elif isinstance(w, _PathEdit):
                v = w.edit.text().strip()
            else:
                v = w.text().strip()
            if isinstance(v, str) and v == "" and f.optional:
                v = None
            if f.kind == "save" and v and self.base_folder is not None:
                p = Path(v).expanduser()
                v = str(p if p.is_absolute() else Path(self.base_folder) / p)
            out[f.key] = v
        return out


class _PathEdit(QWidget):
    def __init__(self, kind: str, file_filter: str):
        super().__init__()
        self.kind, self.file_filter = kind, file_filter
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        browse = QPushButton("…")
        browse.setMaximumWidth(30)
        browse.clicked.connect(self._browse)
        lay.addWidget(self.edit, 1)
        lay.addWidget(browse)

    def _browse(self):
        from ..folders import last_folder, remember_folder

        start = self.edit.text() or last_folder()
        if self.kind == "open":
            path, _ = QFileDialog.getOpenFileName(self, "Open", start, self.file_filter)
        elif self.kind == "save":
            path, _ = QFileDialog.getSaveFileName(self, "Save", start, self.file_filter)
        else:
            path = QFileDialog.getExistingDirectory(self, "Folder", start)
        if path:
            remember_folder(path)
            self.edit.setText(path)
