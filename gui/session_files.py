"""Open, save, autosave and remember sessions; the only place the GUI touches session files.

- Open runs off the UI thread (a job): a corrupt or mismatched file shows an error
  dialog and the current session stays open.
- Save/Save As write atomically (the engine's session writer) and mark the state clean.
  If the file changed on disk since it was opened (a ``qftune set-range``, another
  window), Save writes nothing: ``conflict`` is emitted and :meth:`ask_conflict`
  offers Reload / Save As… / Overwrite / Cancel, so no one's edits are dropped silently.
- Every change schedules an autosave to a recovery file (debounced) named after the
  path being edited; every clean save, save-as, discard or quit removes every recovery
  file this app wrote, so one left behind means a crash. Each recovery file names the
  process that owns it (``.pid`` beside it): a file whose owner still runs (another
  qftune window) is not offered.
- Recent files live in ``QSettings``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from .jobs import JobRunner
from .session_state import SessionState

MAX_RECENT = 8
AUTOSAVE_DELAY_MS = 1500


def load_session(path: str):
    """Load and validate a session file (engine call; raises a readable error)."""
    from core.session import Session

    return Session.load(path)


def save_session(session, path: str, force: bool = False) -> None:
    session.save(path, force=force)


def _owner_alive(pid_file: Path) -> bool:
    """True if ``pid_file`` names another process that still runs."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return False
    if pid == os.getpid():
        return False            # a previous app object of this process (tests): treat as gone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SessionFiles(QObject):
    recentChanged = Signal(list)
    opened = Signal(str)
    failed = Signal(str, str, str)      # title, message, details
    conflict = Signal(str)              # Save found the file changed on disk since it was opened (path)

    def __init__(self, state: SessionState, runner: JobRunner, settings: QSettings,
                 recovery_dir: str | None = None, parent=None):
        super().__init__(parent)
        self.state = state
        self.runner = runner
        self.settings = settings
        base = recovery_dir or os.path.join(
            QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or os.path.expanduser("~/.qftune"),
            "recovery")
        self.recovery_dir = Path(base)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_DELAY_MS)
        self._autosave.timeout.connect(self.autosave_now)
        self._written: set[Path] = set()        # recovery files this app wrote and still owns
        state.rangesChanged.connect(lambda _names: self._schedule_autosave())
        state.undo_stack.indexChanged.connect(lambda _i: self._schedule_autosave())

    # ---- open ------------------------------------------------------------------------------
    def open(self, path: str, on_done=None) -> None:
        """Load ``path`` off the UI thread; on success it becomes the open session."""
        path = str(path)

        def done(session):
            self.state.set_session(session, path)
            self.add_recent(path)
            self.opened.emit(path)
            if on_done:
                on_done(session)

        def error(message, details):
            self.failed.emit(f"Could not open {Path(path).name}", f"{message}\n\nThe current session stays open.",
                             details)

        self.runner.start(f"Opening {Path(path).name}", lambda progress: load_session(path), done, error)

    # ---- save ------------------------------------------------------------------------------
    def save(self, path: str | None = None, force: bool = False) -> bool:
        """Save (``force``: even over a file changed on disk since it was opened); False if nothing was written."""
        from core.session import SessionChangedError

        path = str(path or self.state.path or "")
        if not path:
            raise ValueError("this session has no file yet: use Save As")
        if not path.endswith(".qft"):
            path += ".qft"
        try:
            save_session(self.state.session, path, force)
        except SessionChangedError:
            self.conflict.emit(path)
            return False
        except Exception as exc:  # noqa: BLE001 - shown to the user, nothing changes
            import traceback

            self.failed.emit(f"Could not save {Path(path).name}", str(exc), traceback.format_exc())
            return False
        self.state.mark_saved(path)
        self.add_recent(path)
        self.discard_recovery()
        return True

    def ask_conflict(self, parent, path: str, save_as) -> QMessageBox:
        """The non-blocking "changed on disk" question for ``path``; ``save_as()`` runs the Save As dialog."""
        box = QMessageBox(QMessageBox.Warning, "qftune — file changed on disk",
                          f"{Path(path).name} changed since it was opened (another qftune or an editor saved it). "
                          "Saving now would drop those changes.", QMessageBox.NoButton, parent)
        box.setObjectName("save_conflict")
        box.setInformativeText("Reload: discard your edits here and show the file as it is now.\n"
                               "Save As…: keep both, your edits in a new file.\n"
                               "Overwrite: replace the file with your edits (its other changes are lost).")
        actions = {box.addButton("Reload", QMessageBox.DestructiveRole): lambda: self.open(path),
                   box.addButton("Save As…", QMessageBox.AcceptRole): save_as,
                   box.addButton("Overwrite", QMessageBox.DestructiveRole): lambda: self.save(path, force=True)}
        box.setDefaultButton(box.addButton(QMessageBox.Cancel))
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: QTimer.singleShot(0, actions.get(button, lambda: None)))
        box.open()
        return box

    # ---- autosave / recovery ----------------------------------------------------------------
    def recovery_path(self, path: str | None = None) -> Path:
        key = path or self.state.path or "untitled"
        digest = hashlib.sha1(str(Path(key).resolve()).encode()).hexdigest()[:10]
        return self.recovery_dir / f"{Path(key).stem}-{digest}.recovery.qft"

    def schedule_autosave(self) -> None:
        self._schedule_autosave()

    def _schedule_autosave(self) -> None:
        if self.state.session is not None and self.state.dirty:
            self._autosave.start()

    def autosave_now(self) -> Path | None:
        self._autosave.stop()
        if self.state.session is None or not self.state.dirty:
            return None
        target = self.recovery_path()
        try:
            from core.atomic import atomic_write_bytes

            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target, self.state.session.to_bytes())   # leaves session.path alone
            Path(f"{target}.pid").write_text(str(os.getpid()))
            Path(f"{target}.path").write_text(str(Path(self.state.path).resolve()) if self.state.path else "")
            self._written.add(target)
        except Exception as exc:  # noqa: BLE001 - autosave must never break editing
            self.state.message.emit(f"autosave to {target} failed: {exc}")
            return None
        return target

    def discard_recovery(self) -> None:
        """Remove the recovery file of the path being edited and every other one this app
        wrote (a Save As leaves the old path's behind otherwise)."""
        import shutil

        self._autosave.stop()
        for p in self._written | {self.recovery_path()}:
            for q in (p, Path(f"{p}.pid"), Path(f"{p}.path")):
                try:
                    if q.is_dir():
                        shutil.rmtree(q)
                    elif q.exists():
                        q.unlink()
                except OSError:
                    pass
        self._written.clear()

    def recovery_for(self, path: str) -> Path | None:
        """A recovery file newer than ``path``, if a previous run crashed with unsaved edits."""
        p = self.recovery_path(path)
        if p in self._written or _owner_alive(Path(f"{p}.pid")):
            return None             # ours, or another running window's: no crash happened
        try:
            if p.exists() and p.stat().st_mtime >= Path(path).stat().st_mtime:
                return p
        except OSError:
            return None
        return None

    def crashed_edits(self, exclude: str | None = None) -> list[tuple[str, Path]]:
        """``(session path, recovery file)`` of every session with edits left by a qftune that did not
        close cleanly (newest first), other than ``exclude``: what a plain launch must not hide."""
        found = []
        skip = str(Path(exclude).resolve()) if exclude else None
        for where in self.recovery_dir.glob("*.recovery.qft.path"):
            try:
                path = where.read_text().strip()
            except OSError:
                continue
            if not path or path == skip or not Path(path).exists():
                continue
            rec = self.recovery_for(path)
            if rec is not None:
                found.append((path, rec))
        return sorted(found, key=lambda pr: pr[1].stat().st_mtime, reverse=True)

    # ---- recent files -----------------------------------------------------------------------
    def recent(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [v for v in (value or []) if v]

    def add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        items = [path] + [p for p in self.recent() if p != path]
        self.settings.setValue("recent_files", items[:MAX_RECENT])
        self.recentChanged.emit(items[:MAX_RECENT])
