"""Is there a display Qt can open? Checked before the QApplication exists, without asking Qt.

Without one, Qt aborts the process (SIGABRT) with "This application failed to start because no Qt
platform plugin could be initialized. Reinstalling the application may fix this problem", which
is neither true nor helpful. :func:`display_problem` answers first, cheaply and without loading a
Qt library: the platforms asked for (``QT_QPA_PLATFORM``, a ``;``-separated list, else Wayland and X11)
must have a plugin in PySide6's ``plugins/platforms`` folder (each plugin's platform keys are read
from its metadata), and X11 / Wayland need a display server that accepts a connection.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
from pathlib import Path

WHAT_TO_DO = ("run `make run` (it runs the headless demo when there is no display), `qftune demo`, or "
              "set QT_QPA_PLATFORM=offscreen for a window nobody sees")


def plugin_dirs() -> list[Path]:
    dirs = [Path(p) for p in os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").split(os.pathsep) if p]
    dirs += [Path(p) / "platforms" for p in os.environ.get("QT_PLUGIN_PATH", "").split(os.pathsep) if p]
    spec = importlib.util.find_spec("PySide6")       # finds the package without importing Qt
    if spec is not None and spec.submodule_search_locations:
        dirs += [Path(p) / "Qt" / "plugins" / "platforms" for p in spec.submodule_search_locations]
    return [d for d in dirs if d.is_dir()]


def _keys(plugin: Path) -> list[str]:
    """The platform names a plugin provides: the CBOR text array after "Keys" in its metadata."""
    try:
        data = plugin.read_bytes()
    except OSError:
        return []
    at = data.find(b"\x64Keys")
    keys = []
    if at >= 0 and 0x80 <= data[at + 5] < 0x98:
        i = at + 6
        for _ in range(data[at + 5] - 0x80):
            head = data[i]
            if 0x60 <= head < 0x78:
                n, i = head - 0x60, i + 1
            elif head == 0x78:
                n, i = data[i + 1], i + 2
            else:
                break
            keys.append(data[i:i + n].decode("ascii", "replace"))
            i += n
    if not keys:      # unreadable metadata: the file name says it (libqxcb.so -> xcb)
        m = re.match(r"(?:lib)?q(.+?)\.(?:so|dylib|dll)$", plugin.name)
        keys = [m.group(1)] if m else []
    return keys


def available_platforms() -> set[str]:
    found = set()
    for d in plugin_dirs():
        for p in d.iterdir():
            if p.suffix in (".so", ".dylib", ".dll"):
                found.update(_keys(p))
    return found


def _connects(address, family=socket.AF_UNIX, timeout: float = 2.0) -> bool:
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(address)
        return True
    except OSError:
        return False
    finally:
        s.close()


def x11_problem(display: str | None) -> str | None:
    """None when the X server of ``display`` (e.g. ``:0``, ``localhost:10.0``) accepts a connection."""
    if not display:
        return "DISPLAY is not set"
    m = re.fullmatch(r"(?P<host>[^:]*):(?P<num>\d+)(?:\.\d+)?", display)
    if m is None:
        return f"DISPLAY={display} is not a display name (like :0)"
    host, num = m.group("host"), int(m.group("num"))
    if host.startswith("/"):                                        # a socket path (XQuartz)
        ok = _connects(f"{host}:{num}")
    elif host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{num}"
        ok = _connects(path) or _connects("\0" + path)               # the file, or Linux's abstract socket
    else:
        ok = _connects((host, 6000 + num), socket.AF_INET)
    return None if ok else f"no X server answers on DISPLAY={display}"


def wayland_problem(name: str | None) -> str | None:
    if not name:
        return "WAYLAND_DISPLAY is not set"
    path = name if name.startswith("/") else os.path.join(os.environ.get("XDG_RUNTIME_DIR", ""), name)
    return None if _connects(path) else f"no Wayland compositor answers on WAYLAND_DISPLAY={name}"


def _platform_problem(name: str, available: set[str]) -> str | None:
    if name not in available:
        return (f"QT_QPA_PLATFORM={name}: no such Qt platform plugin (available: {', '.join(sorted(available))})"
                if available else "no Qt platform plugins are installed (PySide6's plugins/platforms)")
    if name == "xcb":
        return x11_problem(os.environ.get("DISPLAY"))
    if name.startswith("wayland"):
        return wayland_problem(os.environ.get("WAYLAND_DISPLAY"))
    return None


def display_problem() -> str | None:
    """Why Qt could not open a window here (one sentence naming the cause and what to do), or None."""
    available = available_platforms()
    asked = [p.split(":", 1)[0].strip() for p in os.environ.get("QT_QPA_PLATFORM", "").split(";")]
    asked = [p for p in asked if p]
    if asked:
        problems = []
        for name in asked:
            problem = _platform_problem(name, available)
            if problem is None:
                return None
            problems.append(problem)
        return f"cannot open a window: {'; '.join(problems)}; {WHAT_TO_DO}"
    problems = []
    for name, problem in (("wayland", wayland_problem(os.environ.get("WAYLAND_DISPLAY"))),
                          ("xcb", x11_problem(os.environ.get("DISPLAY")))):
        if problem is None and name in available:
            return None
        problems.append(problem or f"no Qt {name} platform plugin")
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return f"no display (DISPLAY and WAYLAND_DISPLAY are not set); {WHAT_TO_DO}"
    return f"no usable display: {'; '.join(problems)}; {WHAT_TO_DO}"


__all__ = ["display_problem", "available_platforms", "x11_problem", "wayland_problem"]
