"""A plain ``qftune`` launch after a crash: say that another session has recoverable edits (issue 22 trap 7).

The bundled session opens by default; edits of another session autosaved by a qftune that did not
close cleanly would otherwise wait, unseen, until that session happens to be opened. The notice names
the session and when its edits were autosaved: Recover opens it with them (unsaved), Not Now leaves them
(offered again when that session is opened).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox


def offer_crashed_edits(app, exclude: str | None = None) -> QMessageBox | None:
    """The notice for the newest session with crashed edits (other than ``exclude``), or None."""
    found = app.files.crashed_edits(exclude)
    if not found:
        return None
    path, rec = found[0]
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(rec.stat().st_mtime))
    others = f" ({len(found) - 1} more session(s) too: open them to be offered theirs.)" if len(found) > 1 else ""
    box = QMessageBox(QMessageBox.Warning, "qftune — unsaved edits found",
                      f"{Path(path).name} has unsaved edits from a qftune that did not close cleanly "
                      f"(autosaved {when}).", QMessageBox.NoButton, app.window)
    box.setObjectName("crashedEditsPrompt")
    box.setInformativeText(f"{path}\n\nRecover: open it with those edits (unsaved until you save).\n"
                           f"Not Now: keep them; they are offered again when you open it.{others}")
    recover = box.addButton("Recover", QMessageBox.AcceptRole)
    box.addButton("Not Now", QMessageBox.RejectRole)
    box.setDefaultButton(recover)
    box.setAttribute(Qt.WA_DeleteOnClose)

    def answered(button):
        if button is recover:
            app.log(f"recovering the unsaved edits of {path}")
            app.files.open(path, on_done=lambda _s: app.restore_recovery(path, str(rec)))

    box.buttonClicked.connect(answered)
    app.crash_notice = box
    box.open()
    return box
