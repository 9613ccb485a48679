"""The main window: layer table, tensor panel, results and device docks, menus, status bar.

It only lays out views; its menu bar is built by :mod:`gui.menus` (the job actions from their
declarations in :mod:`gui.actions`), whose entries call the application object
(:class:`gui.app.QftuneApp`); views observe the state themselves.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QScrollArea, QSplitter, QTabWidget

from .dock_title import DockTitle
from .job_status import JobStatusWidget
from .layer_table import LayerTable
from .menus import build_menus
from .tensor_panel import TensorPanel


def default_size(width: int, height: int) -> tuple[int, int]:
    """``width`` x ``height``, shrunk to fit the screen's available area (a 1280x800 laptop must see the
    whole window, the live panel on the right included). The offscreen platform has no real screen
    (its 800x600 is a placeholder), so there the size is kept as asked."""
    screen = QGuiApplication.primaryScreen()
    if screen is None or QGuiApplication.platformName() in ("offscreen", "minimal"):
        return width, height
    area = screen.availableGeometry()
    return min(width, area.width() - 40), min(height, area.height() - 60)


class MainWindow(QMainWindow):
    def __init__(self, app, parent=None):
        super().__init__(parent)
        self.app = app
        self.state = app.state
        self.setObjectName("mainWindow")
        self.resize(*default_size(1500, 920))
        self._close_confirmed = False
        self.close_prompt: QMessageBox | None = None

        self.table = LayerTable(self.state)
        self.tensor_panel = TensorPanel(self.state)
        # the histogram is the heart of the app: it gets most of the width and the full height
        # above a short results/device strip; the table keeps its key columns visible
        self.splitter = QSplitter(Qt.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        # under the table, the selected layer's folded kernel per channel (issue 15: the cause, visible)
        from .weight_view import WeightPanel

        self.weight_view = WeightPanel(self.state, app.weights)
        self.left_splitter = QSplitter(Qt.Vertical)
        self.left_splitter.setObjectName("leftSplitter")
        self.left_splitter.addWidget(self.table)
        # under the table, the weights and the model as a graph share one place (issue 23): a side dock
        # for the graph widened the window past 1024 px once the live panel sat beside the histogram
        from .graph_view import GraphPanel

        self.graph = GraphPanel(self.state)
        self.lower_tabs = QTabWidget()
        self.lower_tabs.setObjectName("lowerTabs")
        self.lower_tabs.setDocumentMode(True)
        self.lower_tabs.addTab(self.weight_view, "Weights")
        self.lower_tabs.addTab(self.graph, "Graph")
        self.lower_tabs.currentChanged.connect(lambda _i: self._fit_left())
        self.left_splitter.addWidget(self.lower_tabs)
        self.left_splitter.setStretchFactor(0, 3)
        self.left_splitter.setStretchFactor(1, 2)
        self.left_splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.left_splitter)
        self.splitter.addWidget(self.tensor_panel)
        from .live_panel import LivePanel  # issue 21: the plan re-scored after every edit, beside the histogram

        self.live_panel = LivePanel(self.state, app.runner)
        self.splitter.addWidget(self.live_panel)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        from .results_panel import ResultsPanel

        self.results = ResultsPanel(self.state)
        self.results_dock = QDockWidget("Results", self)
        self.results_dock.setObjectName("resultsDock")
        self.results_dock.setWidget(self.results)
        self.addDockWidget(Qt.BottomDockWidgetArea, self.results_dock)
        self.device_panel = None
        self._device_raised = False
        self.device_dock = self._device_dock()
        from .log_dock import LogView

        self.log_view = LogView()
        self.log_dock = QDockWidget("Log", self)
        self.log_dock.setObjectName("logDock")
        self.log_dock.setWidget(self.log_view)
        self.addDockWidget(Qt.BottomDockWidgetArea, self.log_dock)
        self.tabifyDockWidget(self.results_dock, self.log_dock)
        self.results_dock.raise_()
        self.collapsed = False
        self._titles = []
        for dock in (self.results_dock, self.device_dock, self.log_dock):
            if dock is not None:
                title = DockTitle(dock)
                title.toggled.connect(self.set_docks_collapsed)
                dock.setTitleBarWidget(title)
                self._titles.append(title)
        self._laid_out = False

        self.status_text = QLabel("")
        self.status_text.setObjectName("statusText")
        self.job_status = JobStatusWidget(app.runner)
        self.statusBar().addWidget(self.status_text, 1)
        self.statusBar().addPermanentWidget(self.job_status)
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(lambda: self.show_message(""))
        self._error_shown = False
        self.state.message.connect(self.show_message)
        self.tensor_panel.refused.connect(lambda text: self.show_message(text, error=True))
        # an error about an edit is resolved by the next edit that succeeds, or by moving on
        self.state.rangesChanged.connect(lambda _n: self._clear_error())
        self.tensor_panel.accepted.connect(self._clear_error)
        self.state.selectionChanged.connect(lambda _n: self._clear_error())
        self.state.sessionChanged.connect(self._clear_error)
        self.table.view.acceptGreedyRequested.connect(self.tensor_panel.accept_greedy)

        build_menus(self)
        self.state.pathChanged.connect(lambda _p: self._update_title())
        self.state.dirtyChanged.connect(lambda _d: self._update_title())
        self.state.sessionChanged.connect(self._update_title)
        self._update_title()

    def _device_dock(self) -> QDockWidget | None:
        """The Device panel's dock, tabbed with Results; None (said in the log) when the panel
        cannot be built, so a broken device setup never stops the rest of the window."""
        from .device_panel import DevicePanel

        try:
            panel = DevicePanel(self, settings=self.app.settings)
        except Exception as exc:  # noqa: BLE001 - a broken optional panel must not stop the app
            self.app.log(f"Device panel unavailable: {exc}")
            return None
        self.device_panel = panel
        dock = QDockWidget("Device", self)
        dock.setObjectName("deviceDock")
        # the panel is tall; scrolled, it no longer forces the bottom dock area to half the window
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)     # its columns shrink instead
        scroll.setWidget(panel)
        dock.setWidget(scroll)
        self.addDockWidget(Qt.BottomDockWidgetArea, dock)
        self.tabifyDockWidget(self.results_dock, dock)
        self.results_dock.raise_()
        # raised, the Device tab gets the height its controls need (no scrolling on a desktop
        # screen); the Results tab gives it back to the histogram
        dock.visibilityChanged.connect(self._device_visible)
        return dock

    # ---- sizing ------------------------------------------------------------------------------
    def fit_layout(self) -> None:
        """Sensible splitter and dock sizes for the current window size (1500x920 desktop,
        1280x800 laptop): the table wide enough for its key columns (~38 % of the width, at least 500 px),
        the histogram the rest, the results strip ~20 % of the height."""
        w = max(self.width(), 800)
        table = max(430, min(600, int(0.38 * w)))
        live = max(self.live_panel.minimumWidth(), min(self.live_panel.maximumWidth(), int(0.18 * w)))
        self.splitter.setSizes([table, w - table - live, live])
        self._fit_left()
        self._fit_docks()

    GRAPH_SHARE = 0.66          # of the left column's height while the Graph tab is up (the weights: 0.36)

    def _fit_left(self) -> None:
        h = max(self.centralWidget().height(), 300)
        lower = int((self.GRAPH_SHARE if self.graph_shown() else 0.36) * h)
        self.left_splitter.setSizes([h - lower, lower])

    def graph_shown(self) -> bool:
        return self.lower_tabs.currentWidget() is self.graph

    def show_graph(self, on: bool = True) -> None:
        """View > Graph: the Graph tab under the table (off: back to the weights)."""
        self.lower_tabs.setCurrentWidget(self.graph if on else self.weight_view)

    def _device_visible(self, on: bool) -> None:
        if on != self._device_raised:
            self._device_raised = on
            QTimer.singleShot(0, self, self._fit_docks)       # once the tab switch is laid out

    def set_docks_collapsed(self, collapsed: bool) -> None:
        """Fold the Results/Device strip down to its title bar, or unfold it."""
        self.collapsed = collapsed
        docks = [d for d in (self.results_dock, self.device_dock, self.log_dock) if d is not None]
        for d in docks:
            d.widget().setVisible(not collapsed)
        for t in self._titles:
            t.show_collapsed(collapsed)
        if collapsed:
            self.resizeDocks(docks, [self._titles[0].sizeHint().height()] * len(docks), Qt.Vertical)
        else:
            self._fit_docks()

    def _fit_docks(self) -> None:
        h = max(self.height(), 500)
        docks = [d for d in (self.results_dock, self.device_dock, self.log_dock) if d is not None]
        if self.collapsed:
            return
        if self._device_raised and self.device_panel is not None:
            p = self.device_panel
            want = (p.heightForWidth(self.width() - 20) if p.hasHeightForWidth() else p.minimumSizeHint().height()) + 60
            size = min(want, int(0.6 * h))
        else:
            size = max(130, min(210, int(0.2 * h)))
        self.resizeDocks(docks, [size] * len(docks), Qt.Vertical)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._laid_out:
            self._laid_out = True
            self.fit_layout()

    # ---- menus (built by gui/menus.py) -------------------------------------------------------
    def _jobs_enabled(self, on: bool) -> None:
        for act in self.job_actions:
            act.setEnabled(on)
            act.setStatusTip(act.toolTip() if on else "Wait for the running job to finish, or cancel it (Esc)")

    def _fill_recent(self, paths) -> None:
        self.recent_menu.clear()
        for p in paths:
            self.recent_menu.addAction(Path(p).name, lambda p=p: self.app.open(p)).setToolTip(p)
        self.recent_menu.setEnabled(bool(paths))

    def _focus_editor(self) -> None:
        self.tensor_panel.view.min_edit.setFocus()
        self.tensor_panel.view.min_edit.selectAll()

    # ---- title / status ----------------------------------------------------------------------
    def _update_title(self) -> None:
        name = Path(self.state.path).name if self.state.path else ("untitled" if self.state.session else "")
        self.setWindowTitle(f"qftune — {name}[*]" if name else "qftune")
        self.setWindowModified(self.state.dirty)
        self.save_action.setEnabled(self.state.session is not None)

    MESSAGE_TIMEOUT_MS = 6000

    def show_message(self, text: str, error: bool = False) -> None:
        """A note in the status bar: it goes after ``MESSAGE_TIMEOUT_MS``; an ``error`` stays
        (in red) until it is resolved (a successful edit, another tensor or session)."""
        self._error_shown = bool(error and text)
        self.status_text.setStyleSheet("color: #b00" if self._error_shown else "")
        self.status_text.setText(text)
        self.status_text.setToolTip(text)
        if text and not error:
            self._message_timer.start(self.MESSAGE_TIMEOUT_MS)
        else:
            self._message_timer.stop()

    def _clear_error(self) -> None:
        if self._error_shown:
            self.show_message("")

    # ---- closing -------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        if self.state.dirty and not self._close_confirmed:
            event.ignore()
            self._prompt_close()
            return
        self.app.shutdown()
        event.accept()

    def _prompt_close(self) -> None:
        if self.close_prompt is not None:
            return
        box = QMessageBox(QMessageBox.Warning, "qftune — unsaved changes",
                          "The session has unsaved range changes.",
                          QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, self)
        box.setObjectName("closePrompt")
        box.setInformativeText("Save them before closing? (They are also kept in a recovery file until you decide.)")
        box.setDefaultButton(QMessageBox.Save)
        box.finished.connect(lambda _r, b=box: self._close_answered(b))
        self.close_prompt = box
        box.open()

    def _close_answered(self, box: QMessageBox) -> None:
        self.close_prompt = None
        answer = box.standardButton(box.clickedButton()) if box.clickedButton() else QMessageBox.Cancel
        box.deleteLater()
        if answer == QMessageBox.Cancel:
            return
        if answer == QMessageBox.Save and not self.app.save():
            return
        if answer == QMessageBox.Discard:
            self.app.files.discard_recovery()
        self._close_confirmed = True
        self.close()

    def force_close(self) -> None:
        """Close without asking (tests, or after the user already decided)."""
        self._close_confirmed = True
        self.close()
