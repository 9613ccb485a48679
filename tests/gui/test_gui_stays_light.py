"""The GUI process stays light: TensorFlow runs in the engine process (gui/engine_process.py),
never in the process that draws the window. The test process itself has imported TensorFlow, so
the window runs in a child process of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SESSION = ROOT / "resources" / "sessions" / "mobilenet_v2_qf_fmnist.qft"

# File > Open Session… with the file dialog answering SESSION, then wait for the plan to show.
CHILD = r"""
import json, sys, time
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QFileDialog

session, settings, recovery = sys.argv[1:4]
qapp = QApplication([])
from gui.app import QftuneApp

app = QftuneApp(QSettings(settings, QSettings.IniFormat), recovery_dir=recovery)
app.window.show()
QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (session, ""))
file_menu = next(a.menu() for a in app.window.menuBar().actions() if a.text() == "&File")
next(a for a in file_menu.actions() if a.text() == "&Open Session…").trigger()
t0 = time.time()
while not (app.state.plan is not None and not app.runner.busy
           and app.state.path == session):
    qapp.processEvents()
    time.sleep(0.01)
    if time.time() - t0 > 120:
        raise SystemExit("timed out waiting for the session to open")
for _ in range(50):   # let the views draw the opened session
    qapp.processEvents()
    time.sleep(0.01)
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "ai_edge_litert"))
print("RESULT " + json.dumps({"tensors": len(app.state.plan.names), "heavy": heavy[:10]}), flush=True)
app.window.close()
"""


def test_opening_a_session_in_the_gui_does_not_import_tensorflow(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", CHILD, str(SESSION), str(tmp_path / "settings.ini"),
                        str(tmp_path / "recovery")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    line = next((x for x in r.stdout.splitlines() if x.startswith("RESULT ")), None)
    assert line is not None, f"exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
    result = json.loads(line[len("RESULT "):])
    assert result["tensors"] > 10          # the session really opened: its plan is in the window
    assert result["heavy"] == [], f"the GUI process imported {result['heavy']}"
