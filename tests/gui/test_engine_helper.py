"""Issue 11, item 11: the engine helper process never outlives the app (a real parent
process killed with SIGKILL or SIGTERM; the helper must exit on its own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PARENT = f"""
import sys, threading, time
sys.path.insert(0, {str(ROOT)!r})
from gui import engine_process
# started from a short-lived thread, as the app's warm-up does
t = threading.Thread(target=engine_process._get_pool); t.start(); t.join()
print(next(iter(engine_process._pool._processes)), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
@pytest.mark.timeout(120)
def test_engine_helper_exits_when_its_parent_dies(sig):
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    try:
        helper = int(parent.stdout.readline())
        assert _alive(helper)
        time.sleep(1.0)
        assert _alive(helper)                       # it lives as long as its parent ...
    finally:
        parent.send_signal(sig)
        parent.wait(30)
    t0 = time.monotonic()
    while _alive(helper) and time.monotonic() - t0 < 10:
        time.sleep(0.1)
    alive = _alive(helper)
    if alive:
        os.kill(helper, signal.SIGKILL)
    assert not alive, f"the engine helper {helper} outlived its parent by 10 s"    # ... and not longer
