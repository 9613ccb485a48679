"""Running commands on the phone: quoting, exit status, streaming lines, and broken-connection detection.

adbutils' ``shell()`` returns whatever arrived when the device dies mid-command and raises
nothing (docs/device.md, section 2). Every command here ends with ``echo MARKER$?``: output that ends
without the marker was cut off, and :func:`run` turns that into a specific DeviceError.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..progress import NULL_PROGRESS, Progress
from .errors import CommandTimeout, DeviceError
from .server import adbutils, diagnose, server_running  # adbutils is imported on first use

MARKER = "QFTUNE-EXIT:"


def quote(arg) -> str:
    """One argument for the phone's POSIX shell (mksh/toybox sh), quoted when needed."""
    return shlex.quote(str(arg))


def join(args) -> str:
    return " ".join(quote(a) for a in args)


@dataclass
class ShellResult:
    command: str
    output: str
    exit_code: int

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def run(device: adbutils.AdbDevice, command: str, *, timeout: float = 60.0, idle_timeout: float | None = None,
        on_line: Callable[[str], None] | None = None, progress: Progress = NULL_PROGRESS,
        what: str = "a command", on_tick: Callable[[float], None] | None = None) -> ShellResult:
    """Run ``command`` (already quoted) on the device; stream its output line by line.

    Raises DeviceLost/AdbServerDied when the connection breaks before the command's exit
    status arrives (``on_tick(elapsed_s)`` is called about 4 times a second), CommandTimeout after
    ``timeout`` s in total or ``idle_timeout`` s without output, ``progress.Cancelled`` when the user
    cancels (the stream is closed, which makes adbd kill the command).
    """
    doing = f"running {what}"
    if not server_running():  # adbutils would silently start a fresh server that forgot the device
        raise diagnose(device.serial, doing)
    try:
        conn = device.open_shell(f"{command}; echo {MARKER}$?")
    except (adbutils.AdbError, OSError, EOFError) as exc:
        raise _open_error(device.serial, doing, exc) from exc
    sock = conn.conn
    sock.settimeout(0.25)
    start = last_data = time.monotonic()
    raw, pending = bytearray(), ""
    try:
        while True:
            progress.check_cancelled()
            now = time.monotonic()
            if on_tick is not None:
                on_tick(now - start)
            if now - start > timeout:
                raise CommandTimeout(f"{what} did not finish within {timeout:.0f} s on {device.serial}")
            if idle_timeout and now - last_data > idle_timeout:
                raise CommandTimeout(f"{what} printed nothing for {idle_timeout:.0f} s on {device.serial}")
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError as exc:
                raise diagnose(device.serial, doing) from exc
            if not chunk:
                break
            last_data = time.monotonic()
            raw += chunk
            if on_line is not None:
                pending += chunk.decode("utf-8", errors="replace")
                *lines, pending = pending.split("\n")
                for line in lines:
                    line = line.rstrip("\r")
                    if not line.startswith(MARKER):
                        on_line(line.split(MARKER)[0])
    finally:
        conn.close()
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    at = text.rfind(MARKER)
    tail = text[at + len(MARKER):].strip() if at >= 0 else ""
    if at < 0 or not tail.isdigit():
        # the stream ended without the exit status: the device or the server went away
        error = diagnose(device.serial, doing)
        error.partial_output = text
        raise error
    output = text[:at]
    if on_line is not None and pending and not pending.startswith(MARKER):
        on_line(pending.split(MARKER)[0].rstrip("\r"))
    return ShellResult(command, output[:-1] if output.endswith("\n") else output, int(tail))


def _open_error(serial: str, doing: str, exc: Exception) -> DeviceError:
    error = diagnose(serial, doing)
    error.args = (f"{error.args[0]} ({exc})",)
    return error


def check(device, command: str, what: str, **kw) -> ShellResult:
    """:func:`run`, raising DeviceError(what + output) on a non-zero exit status."""
    result = run(device, command, what=what, **kw)
    if not result.ok:
        raise DeviceError(f"{what} failed on {device.serial} (exit status {result.exit_code}): {result.output.strip()}")
    return result
