"""The application object: wires the state, the views, the session files and the jobs.

``main(target)`` is what ``qftune`` / ``qftune gui [MODEL|SESSION.qft]`` run. The
window appears at once; the session (the bundled pre-computed one by default) is
read off the UI thread and needs no TensorFlow — TF is imported only in the engine
helper process (:mod:`gui.engine_process`), which starts warming up in the background
right after the window shows, so the first job does not wait for the import.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from .actions import BY_ID
from .error_dialog import show_error
from .folders import last_folder, remember_folder, use_settings
from .jobs import JobRunner
from .session_files import SessionFiles
from .session_state import SessionState

DEFAULT_SESSION = "sessions/mobilenet_v2_qf_fmnist.qft"
SESSION_SUFFIXES = (".qft",)


def bundled(name: str) -> Path:
    from core.resources import RESOURCES

    return RESOURCES / name


class QftuneApp(QObject):
    def __init__(self, settings: QSettings | None = None, recovery_dir: str | None = None, parent=None):
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings("qftune", "qftune")
        use_settings(self.settings)
        self.state = SessionState(self)
        self.runner = JobRunner(self)
        self.files = SessionFiles(self.state, self.runner, self.settings, recovery_dir, self)
        self.files.failed.connect(self.show_error)
        self.files.conflict.connect(lambda path: self.files.ask_conflict(self.window, path, self.save_as_dialog))
        self.messages: list[str] = []
        self.errors: list[QMessageBox] = []
        self.compare_window = None
        self.dialog = None              # the job dialog currently open (at most one)
        self.keep_prompt = None         # "keep your overrides?" after calibrating the open session again
        self.crash_notice = None        # a plain launch: another session has edits left by a crash
        self._after_open = None
        self.autotune_result = None     # the Pareto chart of the last autotune (gui/autotune_result.py)
        self.last_export: str | None = None
        self.last_float_export: str | None = None
        self._replace_agreed = None
        from .weights_cache import WeightsCache

        self.weights = WeightsCache(self)       # folded kernels per model file, for the weight views
        from .main_window import MainWindow

        self.window = MainWindow(self)

    # ---- feedback ---------------------------------------------------------------------------
    def log(self, text: str) -> None:
        self.messages.append(text)
        if hasattr(self, "window"):
            self.window.show_message(text)
            self.window.log_view.add(text)

    def show_error(self, title: str, message: str, details: str = "") -> QMessageBox:
        box = show_error(self.window, title, message, details)
        self.errors.append(box)
        box.destroyed.connect(lambda *_a, b=box: self.errors.remove(b) if b in self.errors else None)
        self.log(f"{title}: {message.splitlines()[0] if message else ''}")
        return box

    def start_job(self, title: str, fn, on_done=None):
        """Run ``fn(progress)`` in a worker; engine errors become an error dialog."""
        if self.runner.busy:
            self.show_error("Another job is running", f"Wait for “{self.runner.current.title}” to finish, or cancel it.")
            return None
        return self.runner.start(title, fn, on_done,
                                 lambda message, details: self.show_error(f"{title} failed", message, details))

    # ---- the engine helper ---------------------------------------------------------------------
    def warm_up_engine(self):
        """Start the engine helper process and its TensorFlow import in the background (the
        window stays responsive: the helper is a niced process), so the first job starts at once."""
        from . import engine_process

        return engine_process.warm_up_in_background(
            on_error=lambda exc: self.messages.append(f"engine warm-up failed: {exc}"))

    # ---- replacing the open session ------------------------------------------------------------
    def confirm_replace(self, then, doing: str = "continuing") -> None:
        """Run ``then()`` once the open session may be replaced: at once if nothing is unsaved,
        else after the user answers Save (and the save succeeds) or Discard; Cancel runs nothing."""
        if not self.state.dirty or self.state.session is None or self._replace_agreed == self._edit_point():
            then()
            return
        name = Path(self.state.path).name if self.state.path else "The untitled session"
        box = QMessageBox(QMessageBox.Warning, "qftune — unsaved changes", f"{name} has unsaved changes.",
                          QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, self.window)
        box.setObjectName("replacePrompt")
        box.setInformativeText(f"Save them before {doing}?")
        box.setDefaultButton(QMessageBox.Save)

        def answered(_r):
            answer = box.standardButton(box.clickedButton()) if box.clickedButton() else QMessageBox.Cancel
            box.deleteLater()
            if answer == QMessageBox.Save:
                if self.save():
                    then()
            elif answer == QMessageBox.Discard:
                self.files.discard_recovery()
                self._replace_agreed = self._edit_point()    # a job finishing later need not ask again
                then()

        box.finished.connect(answered)
        box.open()

    def _edit_point(self):
        """Which session, at which edit: a Discard holds until either changes."""
        return (id(self.state.session), self.state.undo_stack.index(), self.state.undo_stack.count())

    # ---- opening things ------------------------------------------------------------------------
    def open(self, target: str | None = None) -> None:
        """Open a session, a model (the Calibrate dialog asks for its data) or, by default, the bundled
        session; asks first if the open session has unsaved changes."""
        self.confirm_replace(lambda: self._open(target), f"opening {Path(target).name if target else 'another session'}")

    def _open(self, target: str | None = None) -> None:
        if self.runner.busy:
            self.show_error("Another job is running", f"Wait for “{self.runner.current.title}” to finish, or "
                                                      "cancel it (Esc), then open the file again.")
            return
        if target is None:
            path = bundled(DEFAULT_SESSION)
            if not path.exists():
                self.log(f"The bundled session {path} is missing; open a model or a session (File menu).")
                return
            target = str(path)
            from .crash_notice import offer_crashed_edits

            self._after_open = lambda: offer_crashed_edits(self, exclude=str(path))
        p = Path(target)
        if p.suffix in SESSION_SUFFIXES or (p.is_dir() and (p / "session.json").exists()):
            after, self._after_open = getattr(self, "_after_open", None), None
            self.files.open(str(p), on_done=lambda _s: (self._offer_recovery(str(p)), after and after()))
        else:
            self._ask_calibration_data(str(p))

    def calibrate_model(self, model: str, data: str | None = None) -> None:
        """Calibrate ``model`` on ``data``; without ``data``, ask for it (:meth:`_ask_calibration_data`)."""
        then = (lambda: self._calibrate_model(model, data)) if data else (lambda: self._ask_calibration_data(model))
        self.confirm_replace(then, f"calibrating {Path(model).name}")

    def _ask_calibration_data(self, model: str) -> None:
        """A model opened: the Calibrate dialog asks for its data, proposing the embedded set only
        when it fits the model (size, channels, classes); otherwise it says why and waits for a spec."""
        from . import engine_jobs
        from .engine_process import remote

        self.start_job(f"Checking {Path(model).name}", remote(engine_jobs.data_fit, model=model, data="embedded"),
                       lambda problem: self._calibrate_dialog(model, problem))

    def _calibrate_dialog(self, model: str, embedded_problem: str | None):
        """Jobs > Calibrate… for ``model`` just opened (the replace was already agreed): the embedded set
        proposed unless ``embedded_problem`` says why it does not fit, shown in the dialog."""
        dlg = self._open_dialog(BY_ID["calibrate"], {"model": model, "embedded_problem": embedded_problem})
        if embedded_problem:
            dlg.show_error(f"The embedded Fashion-MNIST set does not fit this model: {embedded_problem}")
        return dlg

    def _calibrate_model(self, model: str, data: str = "embedded") -> None:
        try:
            job = BY_ID["calibrate"].make_job({"model": model, "data": data, "per_class": 0, "limit": 0,
                                               "method": "greedy", "gamma": 1.0, "out": None}, self)
        except (OSError, ValueError) as exc:
            self.show_error(f"Cannot open {Path(model).name}", str(exc))
            return
        self.start_job(f"Calibrating {Path(model).name}", job, self.calibrated)

    def calibrated(self, session, previous=None) -> None:
        """A calibration finished: it replaces the open session (asking again if the user edited
        that one meanwhile); unsaved until saved unless the job wrote it to a file. A new calibration of
        the saved session ``previous`` offers to keep its manual overrides (:mod:`gui.keep_overrides`)."""
        def replace():
            path = getattr(session, "path", None)
            again = previous is not None and self.state.session is previous
            name = Path(previous.path).name if again and previous.path else "The session"
            self.state.set_session(session, path, unsaved=not path)
            self.files.schedule_autosave()
            if path:
                self.files.add_recent(path)
            if again:
                from .keep_overrides import offer_to_keep

                self.keep_prompt = offer_to_keep(self, previous.plan, name)

        self.confirm_replace(replace, "showing the new calibration")

    def _offer_recovery(self, path: str) -> None:
        rec = self.files.recovery_for(path)
        if rec is None:
            return
        box = QMessageBox(QMessageBox.Question, "qftune — unsaved changes found",
                          f"{Path(path).name} has edits from a session that did not close cleanly.",
                          QMessageBox.Yes | QMessageBox.No, self.window)
        box.setObjectName("recoveryPrompt")
        box.setInformativeText("Restore them?")

        def answered(_r):
            if box.standardButton(box.clickedButton()) == QMessageBox.Yes:
                self.restore_recovery(path, str(rec))
            box.deleteLater()

        box.finished.connect(answered)
        box.open()

    def restore_recovery(self, path: str, recovery: str) -> None:
        from .session_files import load_session

        try:
            session = load_session(recovery)
        except Exception as exc:  # noqa: BLE001
            self.show_error("Could not restore the recovery file", str(exc))
            return
        self.state.set_session(session, path, unsaved=True)      # restored edits are unsaved
        self.files.schedule_autosave()

    def open_session_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open session", last_folder(), "qftune session (*.qft)")
        if path:
            remember_folder(path)
            self.open(path)

    def open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open model", last_folder(), "Keras model (*.keras *.h5)")
        if path:
            remember_folder(path)
            self.calibrate_model(path)

    # ---- saving ------------------------------------------------------------------------------------
    def save(self) -> bool:
        if self.state.session is None:
            return False
        if not self.state.path or Path(self.state.path).resolve().is_relative_to(bundled("").resolve()):
            return self.save_as_dialog()
        return self._saved(self.files.save())

    def save_as_dialog(self) -> bool:
        if self.state.session is None:
            return False
        start = str(Path(last_folder()) / (Path(self.state.path).name if self.state.path else "untitled.qft"))
        path, _ = QFileDialog.getSaveFileName(self.window, "Save session as", start, "qftune session (*.qft)")
        if path:
            remember_folder(path)
        return bool(path) and self._saved(self.files.save(path))

    def _saved(self, ok: bool) -> bool:
        if ok:
            self.log(f"Saved {self.state.path}")
        return ok

    # ---- edits -----------------------------------------------------------------------------------
    def accept_all(self, method: str = "greedy") -> None:
        if self.state.plan is not None:
            self.state.accept_all(method)

    # ---- job actions (declared in gui/actions.py) --------------------------------------------------
    def open_action(self, action_id: str, **context):
        """Open the job dialog of the action ``action_id`` (:data:`gui.actions.ACTIONS`), after asking to save the
        open session if the action replaces it; the dialog (None while that question is open)."""
        action = BY_ID[action_id]
        if action.confirm:
            self.confirm_replace(lambda: self._open_dialog(action, context), action.confirm)
            return self.dialog
        return self._open_dialog(action, context)

    def _open_dialog(self, action, context: dict):
        """The dialog of ``action`` with its defaults; Run checks the options first and keeps the dialog open
        (with the error shown in it) until they are valid, so nothing typed is lost; the job's result goes to
        the action's ``on_done``."""
        from .job_results import Opened

        opened = Opened(self.state.session, self.state.dirty, dict(context))
        dlg = action.dialog(self.window, action.defaults(self, **context))
        dlg.base_folder = self.output_folder()    # a relative path typed means beside the session
        dlg.setAttribute(Qt.WA_DeleteOnClose)
        dlg.check = lambda values: action.make_job(values, self)
        dlg.accepted.connect(lambda: self.start_job(action.title, dlg.job, lambda r: action.on_done(self, r, opened)))
        dlg.finished.connect(lambda _r: setattr(self, "dialog", None))
        self.dialog = dlg
        dlg.open()
        return dlg

    def evaluation_data(self) -> str:
        """The data Evaluate, Compare and Sensitivity default to: the evaluation split of the data the
        session was calibrated on (the embedded set only for a session calibrated on it)."""
        from core.data.spec import evaluation_split

        s = self.state.session
        spec = (s.calibration or {}).get("data") if s is not None else None
        return evaluation_split(spec) if spec else "embedded:eval"

    def output_folder(self) -> Path:
        """Where a job's outputs go by default: beside the open session; a bundled or untitled session's, or
        one in a folder not writable, to the last folder used."""
        path = self.state.path
        folder = Path(path).parent if path else None
        if folder is None or folder.resolve().is_relative_to(bundled("").resolve()) or not os.access(folder, os.W_OK):
            folder = Path(last_folder())
        return folder

    def export_defaults(self) -> dict:
        """``<session>_int8.tflite`` (and its float twin) next to the session; a bundled or
        untitled session's go to the last folder used."""
        path = self.state.path
        stem = Path(path).stem if path else "untitled"
        folder = self.output_folder()
        return {"out": str(folder / f"{stem}_int8.tflite"), "float_out": str(folder / f"{stem}_float.tflite")}

    # ---- compare mode ------------------------------------------------------------------------------
    def show_compare_mode(self, left: str | None = None, right: str | None = None):
        """Show compare mode; by default on the bundled pair that shows the difference
        (:func:`gui.compare_window.default_pair`). A window already open keeps its sessions
        and measurements unless another pair is asked for."""
        from .compare_window import CompareWindow, default_pair

        pair = (left, right) if left and right else default_pair()
        if self.compare_window is None:
            self.compare_window = CompareWindow(self)
            self.compare_window.destroyed.connect(lambda *_: self._compare_closed())
        win = self.compare_window
        win.show()
        win.raise_()
        if win.pair != tuple(str(p) for p in pair):
            win.load(*pair)
        self.window.compare_action.setChecked(True)
        return win

    def toggle_compare_mode(self):
        """View > Compare Mode (Ctrl+M): hide it when shown, show it (as it was) when hidden."""
        win = self.compare_window
        if win is not None and win.isVisible():
            win.hide()
            self.window.compare_action.setChecked(False)
            return win
        if win is not None:
            win.show()
            win.raise_()
            self.window.compare_action.setChecked(True)
            return win
        return self.show_compare_mode()

    def _compare_closed(self) -> None:
        self.compare_window = None
        if hasattr(self, "window"):
            try:
                self.window.compare_action.setChecked(False)
            except RuntimeError:          # the main window is already gone (quitting)
                pass

    # ---- shutdown -----------------------------------------------------------------------------------
    def shutdown(self) -> None:
        self.runner.shutdown()
        self.weights.shutdown()
        self.window.live_panel.live.shutdown()
        # a clean quit: the user saved, discarded, or had nothing to lose; a recovery file is
        # only for a crash
        self.files.discard_recovery()
        if self.compare_window is not None:
            self.compare_window.close()
        # the undo stack emits while being destroyed; nobody must listen by then
        self.state.undo_stack.blockSignals(True)


def main(target: str | None = None) -> int:
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    qapp.setApplicationName("qftune")
    qapp.setOrganizationName("qftune")
    from PySide6.QtCore import QTimer

    from . import engine_process, terminal

    terminal.quiet_qt_messages()
    app = QftuneApp()
    app.window.show()
    terminal.quit_on_ctrl_c(app.window)
    QTimer.singleShot(0, lambda: app.open(target))
    QTimer.singleShot(0, app.warm_up_engine)          # TF imports in the helper while the user looks around
    code = qapp.exec()
    engine_process.shutdown(kill=True)
    from .jobs import wait_all

    wait_all()              # a job still waiting on the helper ends with it
    return code
