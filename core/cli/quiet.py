"""Keep TensorFlow's log lines out of qftune's output unless ``--verbose``.

TensorFlow 2.21 writes its C++ log lines (``I0000 ... oneDNN custom operations are on``,
``W0000 ... Ignored output_format``, the ``WARNING: All log messages before
absl::InitializeLog()`` banner) straight to file descriptor 2, before and regardless
of ``TF_CPP_MIN_LOG_LEVEL``; its Python side logs through ``absl`` and ``logging``
(``WARNING:absl:Please consider providing the trackable_obj ...``).

:func:`quiet_tensorflow` therefore

- points Python's ``sys.stderr`` at a duplicate of the real stderr, so everything
  qftune itself prints (progress bar, errors, warnings) goes out unchanged;
- replaces descriptor 2 with a pipe read by a thread that forwards every line except
  TensorFlow's INFO/WARNING log lines (errors and fatal lines still pass);
- sets the TF/absl Python loggers to ERROR and ``TF_CPP_MIN_LOG_LEVEL=2`` (unless the
  user set it).
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import sys
import threading
import warnings

# C++ log lines (and LiteRT's delegate banner): "I0000 00:00:1796172339.780832    4576 port.cc:153] ..." (I=info, W=warning)
_DROP = re.compile(
    rb"^(?:[IW]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w./-]+:\d+\]"
    rb"|E\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ cuda[\w.]*:\d+\] failed call to cuInit"   # no GPU: expected
    rb"|INFO: Created TensorFlow Lite XNNPACK delegate"
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rb"|(?:WARNING|INFO):absl:)"
)

_state: dict = {}


def is_tf_log_line(line: bytes) -> bool:
    """True for a TensorFlow/absl INFO or WARNING log line (what :func:`quiet_tensorflow` drops)."""
    return bool(_DROP.match(line.lstrip(b"\r")))


QUIET_ENV = "QFTUNE_QUIET_TF"


def quiet_python_warnings() -> None:
    """TensorFlow's, absl's and Keras's Python-side warnings and log records off (deprecations,
    Keras's "structure of inputs" UserWarning): what a child process of a quiet qftune calls."""
    for name in ("tensorflow", "absl", "h5py"):
        logging.getLogger(name).setLevel(logging.ERROR)
    for module in ("keras", "tensorflow", "absl", "google.protobuf"):   # their deprecation/user warnings
        warnings.filterwarnings("ignore", module=module)


def quiet_tensorflow() -> None:
    """Silence TensorFlow's INFO/WARNING log lines for the rest of the process (idempotent)."""
    if _state:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ[QUIET_ENV] = "1"          # child processes (the GUI's engine helper) quiet their Python side too
    quiet_python_warnings()
    try:
        sys.stderr.flush()
        real = os.dup(2)
        read_fd, write_fd = os.pipe()
    except OSError:   # no usable descriptor 2 (closed): nothing to filter
        return
    sys.stderr = open(real, "w", buffering=1, encoding=getattr(sys.stderr, "encoding", None) or "utf-8",
                      errors="backslashreplace", closefd=False)
    os.dup2(write_fd, 2)
    os.close(write_fd)
    thread = threading.Thread(target=_forward, args=(read_fd, real), name="qftune-stderr-filter", daemon=True)
    thread.start()
    _state.update(real=real, thread=thread)
    atexit.register(_restore)


def _forward(read_fd: int, real_fd: int) -> None:
    buf = b""
    while True:
        try:
            chunk = os.read(read_fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        out = b"".join(line + b"\n" for line in lines if not is_tf_log_line(line))
        if out:
            _write_all(real_fd, out)
    if buf and not is_tf_log_line(buf):
        _write_all(real_fd, buf)
    os.close(read_fd)


def _write_all(fd: int, data: bytes) -> None:
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError:
        pass


def _restore() -> None:
    """At exit: give descriptor 2 back so the filter thread sees end-of-file and drains."""
    real, thread = _state.get("real"), _state.get("thread")
    if real is None:
        return
    try:
        sys.stderr.flush()
        os.dup2(real, 2)
    except OSError:
        return
    thread.join(timeout=2.0)
