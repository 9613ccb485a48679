"""The CLI shows qftune's lines, not TensorFlow's log lines, unless --verbose."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from core.cli.quiet import is_tf_log_line

ROOT = Path(__file__).resolve().parents[1]
SESSION = ROOT / "resources" / "sessions" / "mobilenet_v2_qf_fmnist.qft"
# glog-style lines (I0000/W0000/E0000 ...), absl's, and the start-up notes whatever their format
TF_LINE = re.compile(r"^(?:[IWE]\d{4} \d\d:\d\d:|WARNING: All log messages before absl|WARNING:absl:)"
                     r"|oneDNN|cudart|cuda drivers|cuInit|rebuild TensorFlow", re.M)


def _export(tmp_path, *extra):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", "core.cli", "export", str(SESSION),
                           "--out", str(tmp_path / "m_int8.tflite"), *extra],
                          capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)


def test_export_prints_no_tensorflow_log_lines_unless_verbose(tmp_path):
    quiet = _export(tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert not TF_LINE.findall(quiet.stderr + quiet.stdout), quiet.stderr
    assert "m_int8.tflite" in quiet.stdout + quiet.stderr   # qftune's own lines still there

    loud = _export(tmp_path, "--verbose", "--force") if "--force" in _export_help() else None
    if loud is None:
        (tmp_path / "m_int8.tflite").unlink()
        loud = _export(tmp_path, "--verbose")
    assert loud.returncode == 0, loud.stderr
    assert TF_LINE.findall(loud.stderr), "with --verbose TensorFlow's log lines are shown"


def _export_help() -> str:
    """``qftune export --help`` in-process (its text is the subject here, not the process)."""
    from cli_kit import run

    return run("export", "--help").stdout


def test_filter_keeps_qftune_lines_and_tensorflow_errors():
    assert is_tf_log_line(b"W0000 00:00:1796172394.647515    6217 tf_tfl_flatbuffer_helpers.cc:364] Ignored x.")
    assert is_tf_log_line(b"I0000 00:00:1796172339.780832    4576 port.cc:153] oneDNN custom operations")
    assert is_tf_log_line(b"WARNING:absl:Please consider providing the trackable_obj argument")
    assert not is_tf_log_line(b"E0000 00:00:1796172394.647515    6217 converter.cc:1] conversion failed")
    assert not is_tf_log_line(b"qftune export: error: m.keras: no such model file")
    assert not is_tf_log_line(b"export [#####.....]  50.0% converting")
