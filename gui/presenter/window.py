"""The presenter window: full screen, black, one step of the story per key press.

PageDown / Right / Down / space go forward, PageUp / Left / Up / Backspace back (what presentation
clickers send), Home / End jump, Esc leaves. Every slide is built from the cache when the window
opens, so a step only switches the visible page. Without a usable cache the window says why and
which command prepares it; Enter prepares it in the engine process (progress shown, Esc cancels).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from . import style
from .slides import PrepareSlide, build

NEXT = (Qt.Key_PageDown, Qt.Key_Right, Qt.Key_Down, Qt.Key_Space)
BACK = (Qt.Key_PageUp, Qt.Key_Left, Qt.Key_Up, Qt.Key_Backspace)


def load(session_a, session_b, out=None):
    """(story, weight arrays, None) of the pair's fresh cache, or (None, None, why + how to prepare it)."""
    from core.present import StoryError, open_story, weights_data

    try:
        story = open_story(session_a, session_b, out)
        return story, weights_data(story), None
    except StoryError as exc:
        return None, None, str(exc)


class _Probe(QObject):
    """Which phones adb sees, asked off the UI thread (adb may be slow; a step must not wait)."""

    done = Signal(object, str)          # set of ready serials (None: unknown), why unknown

    def ask(self) -> None:
        threading.Thread(target=self._run, daemon=True, name="presenter-adb-probe").start()

    def _run(self) -> None:
        try:
            from core.device import list_devices
            from core.device.server import server_running

            if not server_running():         # never start an adb server on stage
                result = (None, "no adb server is running")
            else:
                result = ({d.serial for d in list_devices(details=False) if d.ready}, "")
        except Exception as exc:  # noqa: BLE001 - any adb trouble is only "unknown" on the slide
            result = (None, str(exc))
        try:
            self.done.emit(*result)
        except RuntimeError:                 # the window closed meanwhile
            pass


class PresenterWindow(QWidget):
    stepChanged = Signal(int)

    def __init__(self, session_a, session_b, out=None, parent=None):
        super().__init__(parent)
        self.setObjectName("presenter")
        self.setWindowTitle("qftune presenter")
        self.setAttribute(Qt.WA_StyledBackground, True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.pair, self.out, self.job = (str(session_a), str(session_b)), out, None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        lay.addWidget(self.stack, 1)
        self.slides = []
        foot = QHBoxLayout()
        foot.setContentsMargins(40, 0, 40, 10)
        self.hint = QLabel("PageDown/→/space: next · PageUp/←: back · Esc: leave")
        self.hint.setObjectName("hint")
        self.counter = QLabel()
        self.counter.setObjectName("counter")
        for lab in (self.hint, self.counter):
            lab.setStyleSheet(f"color: {style.DIM.name()};")
        foot.addWidget(self.hint)
        foot.addStretch(1)
        foot.addWidget(self.counter)
        lay.addLayout(foot)
        self._height = 0
        self._probe = _Probe(self)
        self._probe.done.connect(self._devices_seen)
        self._load()

    def _load(self) -> None:
        """(Re)build the slides from the cache, or the message saying how to prepare it."""
        self.story, arrays, self.problem = load(*self.pair, self.out)
        for s in self.slides:
            self.stack.removeWidget(s)
            s.deleteLater()
        if self.story is not None:
            self.slides = build(self.story, arrays)
        else:
            self.slides = [PrepareSlide("No prepared story for these sessions", self.problem)]
        for s in self.slides:
            self.stack.addWidget(s)
            if self._height:
                s.apply_size(self._height)
        self.go(0)

    # ---- preparing the cache from the window: in the engine process, off the UI thread ----------
    def prepare(self) -> None:
        """Enter on the message: ``qftune present --prepare`` in the engine process, progress shown, Esc cancels."""
        from gui import engine_jobs
        from gui.engine_process import remote
        from gui.jobs import Job

        if self.job is not None or self.story is not None:
            return
        slide = self.slides[0]
        self.job = Job("Preparing the presenter's story",
                       remote(engine_jobs.present_prepare, session_a=self.pair[0], session_b=self.pair[1],
                              out=str(self.out) if self.out else None), parent=self)
        self.job.progressed.connect(slide.show_progress)
        self.job.ended.connect(self._prepared)
        slide.show_progress(0.0, "starting the engine")
        self.job.start()

    def _prepared(self, status: str) -> None:
        job, self.job = self.job, None
        if status == "ok":
            self._load()
            return
        text = ("Cancelled: nothing was written. Enter prepares again." if status == "cancelled"
                else f"Preparing failed: {job.error[0] if job.error else status}")
        self.slides[0].show_result(text)

    @property
    def index(self) -> int:
        return self.stack.currentIndex()

    def current(self):
        return self.stack.currentWidget()

    def go(self, i: int) -> None:
        i = max(0, min(i, len(self.slides) - 1))
        self.stack.setCurrentIndex(i)
        self.counter.setText(f"{i + 1} / {len(self.slides)}")
        if self.slides and self.slides[i].step.get("source") == "device":
            self._probe.ask()                # is the phone of the figures connected now?
        self.stepChanged.emit(i)

    def _devices_seen(self, serials, why: str) -> None:
        for s in self.slides:
            if s.step.get("source") == "device":
                s.set_connected(None if serials is None else s.step.get("serial") in serials, why)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key in NEXT:
            self.go(self.index + 1)
        elif key in BACK:
            self.go(self.index - 1)
        elif key == Qt.Key_Home:
            self.go(0)
        elif key == Qt.Key_End:
            self.go(len(self.slides) - 1)
        elif key == Qt.Key_Escape:
            if self.job is not None:
                self.job.cancel()
            else:
                self.close()
        elif key in (Qt.Key_Return, Qt.Key_Enter) and self.story is None:
            self.prepare()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        if self.job is not None:             # closed by the window manager while preparing: stop it first
            self.job.cancel()
            self.job.wait()
        super().closeEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        h = self.height()
        if h != self._height:
            self._height = h
            self.setStyleSheet(style.sheet(h))
            small = style.font(h, style.SMALL)
            self.hint.setFont(small)
            self.counter.setFont(small)
            for s in self.slides:
                s.apply_size(h)


def show_full_screen(win: PresenterWindow, near=None) -> None:
    """Full screen on the screen of ``near`` (the main window) or the primary one. The geometry is set
    first: without a window manager (a bare X server, a kiosk) showFullScreen alone keeps the default size."""
    from PySide6.QtGui import QGuiApplication

    screen = (near.screen() if near is not None else None) or QGuiApplication.primaryScreen()
    if screen is not None:
        win.setGeometry(screen.geometry())
    win.showFullScreen()
    win.raise_()
    win.activateWindow()
    win.setFocus()
