"""The Device panel's choice of the .tflite to measure: the last export (with its float twin) preselected,
earlier choices kept, and any other file through a file dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget


class ModelPicker(QWidget):
    """A combo box of model sets ``{label: path}`` and a line naming the chosen files.

    ``modelsChanged(dict)`` is emitted when the chosen set changes.
    """

    modelsChanged = Signal(dict)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.models: dict[str, str] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.combo = QComboBox()
        self.combo.setObjectName("modelPicker")
        self.combo.setToolTip("The .tflite to deploy and measure: the last export is preselected; "
                              "“Choose a .tflite…” measures any other model")
        self.combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(18)
        self.combo.addItem("Choose a .tflite…", None)
        self.combo.activated.connect(self._picked)
        row.addWidget(QLabel("model"))
        row.addWidget(self.combo, 1)
        layout.addLayout(row)
        self.label = QLabel("no exported model yet: export an int8 .tflite first")
        self.label.setObjectName("modelsLabel")
        self.label.setWordWrap(True)
        layout.addWidget(self.label)

    def set_models(self, models: dict[str, str] | None) -> None:
        """Choose this set (added to the list when new)."""
        self.models = {k: str(v) for k, v in (models or {}).items() if v}
        self.label.setText(", ".join(f"{k}: {Path(v).name}" for k, v in self.models.items()) or
                           "no exported model yet: export an int8 .tflite first, or choose one")
        self.label.setToolTip("\n".join(f"{k}: {v}" for k, v in self.models.items()))
        if self.models and not any(self.combo.itemData(i) == self.models for i in range(self.combo.count())):
            self.add_choice(self.models, select=False)
        self._select_current()
        self.modelsChanged.emit(dict(self.models))

    def add_choice(self, models: dict[str, str], select: bool) -> None:
        """List ``models`` first (replacing an entry with the same main file); choose it if ``select``."""
        main = next(iter(models.values()))
        for i in range(self.combo.count()):
            data = self.combo.itemData(i)
            if data and next(iter(data.values())) == main:
                self.combo.removeItem(i)
                break
        text = Path(main).name + (" + float twin" if len(models) > 1 else "")
        self.combo.insertItem(0, text, dict(models))
        self.combo.setItemData(0, "\n".join(f"{k}: {v}" for k, v in models.items()), Qt.ToolTipRole)
        if select:
            self.combo.setCurrentIndex(0)
            self.set_models(models)

    def _picked(self, index: int) -> None:
        data = self.combo.itemData(index)
        if data:
            self.set_models(data)
            return
        from .folders import last_folder, remember_folder

        start = str(Path(next(iter(self.models.values()))).parent) if self.models else last_folder()
        path, _ = QFileDialog.getOpenFileName(self, "Choose the .tflite to measure", start,
                                              "TFLite model (*.tflite);;All files (*)")
        if path:
            remember_folder(path)
            self.add_choice({"int8" if "int8" in Path(path).name else Path(path).stem: path}, select=True)
        else:
            self._select_current()

    def _select_current(self) -> None:
        for i in range(self.combo.count()):
            if self.combo.itemData(i) == self.models:
                self.combo.setCurrentIndex(i)
                return
