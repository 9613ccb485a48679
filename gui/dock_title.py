"""A dock title bar with a collapse arrow: the Results/Device strip folds down to its title
(the histogram gets the height back) and unfolds to the height it had."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDockWidget, QHBoxLayout, QLabel, QToolButton, QWidget


class DockTitle(QWidget):
    toggled = Signal(bool)          # True: collapsed

    def __init__(self, dock: QDockWidget):
        super().__init__(dock)
        self.dock = dock
        self.button = QToolButton()
        self.button.setObjectName("collapseDock")
        self.button.setAutoRaise(True)
        self.button.setArrowType(Qt.DownArrow)
        self.button.setToolTip("Fold this panel down to its title (click again to unfold)")
        self.button.clicked.connect(lambda: self.toggled.emit(self.button.arrowType() == Qt.DownArrow))
        close = QToolButton()
        close.setAutoRaise(True)
        close.setText("×")
        close.setToolTip("Hide this panel (View menu brings it back)")
        close.clicked.connect(dock.close)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(2, 0, 2, 0)
        lay.addWidget(self.button)
        lay.addWidget(QLabel(dock.windowTitle()), 1)
        lay.addWidget(close)

    def show_collapsed(self, collapsed: bool) -> None:
        self.button.setArrowType(Qt.RightArrow if collapsed else Qt.DownArrow)
