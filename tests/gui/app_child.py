"""A real qftune window in its own process (offscreen), for crash/quit tests.

    python app_child.py MODE SESSION SETTINGS.ini RECOVERY_DIR [SAVE_AS]

Opens SESSION, types a new max for one tensor into the editor (real key events), waits
for the autosave, prints ``EDITED name max`` and ``READY``, then:
- ``crash``: keeps running until killed;
- ``saveas-discard``: File > Save As to SAVE_AS (the file dialog answers SAVE_AS), types a second edit into
  the saved-as session, waits for its autosave (prints ``EDITED2 name max``), then closes the window and
  answers Discard: both clean ways out in one app start (the test checks neither leaves a recovery file).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> int:
    mode, session, settings, recovery = sys.argv[1:5]
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

    qapp = QApplication([])
    from gui.app import QftuneApp

    app = QftuneApp(QSettings(settings, QSettings.IniFormat), recovery_dir=recovery)
    app.window.show()
    app.open(session)

    def wait(cond, timeout=60.0):
        t0 = time.time()
        while not cond():
            qapp.processEvents()
            time.sleep(0.01)
            if time.time() - t0 > timeout:
                raise SystemExit("timed out")

    wait(lambda: app.state.plan is not None and not app.runner.busy)

    def edit_max(index: int) -> str:
        """Type a new max for the plan's tensor ``index`` (real key events) and wait for its autosave."""
        plan = app.state.plan
        name = plan.names[index]
        app.state.select(name)
        edit = app.window.tensor_panel.view.max_edit.lineEdit()
        QTest.mouseClick(edit, Qt.LeftButton)
        QTest.keyClick(edit, Qt.Key_A, Qt.ControlModifier)
        QTest.keyClicks(edit, f"{0.5 * plan[name].max:.4f}")
        QTest.keyClick(edit, Qt.Key_Return)
        assert plan[name].method == "user"
        wait(lambda: app.files.recovery_path().exists())
        return name

    name = edit_max(6)
    print("EDITED", name, repr(app.state.plan[name].max), flush=True)
    print("READY", flush=True)
    if mode == "crash":
        return qapp.exec()
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (sys.argv[5], ""))
    assert app.save_as_dialog()
    assert not app.state.dirty
    name = edit_max(8)
    assert app.files.recovery_path().name.startswith(Path(sys.argv[5]).stem)
    print("EDITED2", name, repr(app.state.plan[name].max), flush=True)

    def answer():
        box = app.window.findChild(QMessageBox, "closePrompt")
        if box is None or not box.isVisible():
            QTimer.singleShot(20, answer)
            return
        QTest.mouseClick(box.button(QMessageBox.Discard), Qt.LeftButton)

    QTimer.singleShot(0, app.window.close)
    QTimer.singleShot(50, answer)
    code = qapp.exec()
    print("QUIT", code, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
