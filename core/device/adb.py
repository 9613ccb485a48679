"""The devices the adb server sees: list (with model/Android/ABI), pick, watch.

The server itself (address, start, diagnosis of a broken connection) is :mod:`core.device.server`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from .errors import AdbServerDied, DeviceError, DeviceNotFound, DeviceOffline, DeviceUnauthorized
from .server import adbutils, client, server_address
from .shell import run

STATE_ADVICE = {
    "device": "",
    "unauthorized": DeviceUnauthorized.advice,
    "offline": DeviceOffline.advice,
    "no permissions": "Fix the udev rules for the phone (see 'adb devices' for the link), then replug.",
    "authorizing": "Wait a moment: the phone is checking this computer's key.",
    "connecting": "Wait a moment: adb is connecting.",
}


@dataclass
class DeviceInfo:
    serial: str
    state: str
    model: str = ""
    android: str = ""
    abi: str = ""
    abilist: list[str] = field(default_factory=list)
    advice: str = ""

    @property
    def ready(self) -> bool:
        return self.state == "device"

    @property
    def name(self) -> str:
        return f"{self.model or 'device'} ({self.serial})"

    def to_json(self) -> dict:
        return asdict(self)


def _states(c: adbutils.AdbClient) -> dict[str, str]:
    try:
        return {d.serial: d.state for d in c.list()}
    except (adbutils.AdbError, OSError) as exc:
        raise AdbServerDied(f"the adb server on {':'.join(map(str, server_address()))} did not answer: {exc}") from exc


_PROP = re.compile(r"^\[([^\]]+)\]: \[(.*)\]$")


def _details(c: adbutils.AdbClient, serial: str) -> DeviceInfo:
    info = DeviceInfo(serial, "device")
    props = {}
    for line in run(c.device(serial), "getprop", timeout=10, what="getprop").output.splitlines():
        m = _PROP.match(line.strip())
        if m:
            props[m.group(1)] = m.group(2)
    info.model = props.get("ro.product.model", "")
    info.android = props.get("ro.build.version.release", "")
    info.abi = props.get("ro.product.cpu.abi", "")
    info.abilist = [a for a in props.get("ro.product.cpu.abilist", info.abi).split(",") if a]
    return info


_detail_cache: dict[str, DeviceInfo] = {}
_cache_lock = threading.Lock()


def list_devices(details: bool = True) -> list[DeviceInfo]:
    """Every device the adb server knows, with state, advice and (when ready) model/Android/ABI."""
    c = client()
    out = []
    for serial, state in sorted(_states(c).items()):
        info = DeviceInfo(serial, state, advice=STATE_ADVICE.get(state, f"adb reports the state '{state}'."))
        if details and state == "device":
            with _cache_lock:
                cached = _detail_cache.get(serial)
            if cached is None:
                try:
                    cached = _details(c, serial)
                except DeviceError:
                    cached = None
                if cached is not None:
                    with _cache_lock:
                        _detail_cache[serial] = cached
            if cached is not None:
                info = DeviceInfo(serial, state, cached.model, cached.android, cached.abi, list(cached.abilist))
        elif serial in _detail_cache:
            with _cache_lock:
                _detail_cache.pop(serial, None)
        out.append(info)
    return out


def _looks_like_network(serial: str) -> bool:
    return re.fullmatch(r"[\w.\-\[\]:]+:\d+", serial) is not None


def open_device(serial: str | None = None) -> tuple[adbutils.AdbDevice, DeviceInfo]:
    """The device to work on, ready for commands; raises a specific DeviceError otherwise.

    A network serial (HOST:PORT) the server does not know is connected once, so a retry
    after an adb server restart works as it did before.
    """
    c = client()
    states = _states(c)
    if serial and serial not in states and _looks_like_network(serial):
        try:
            c.connect(serial, timeout=5)
        except (adbutils.AdbError, OSError):
            pass
        states = _states(c)
    if serial is None:
        if not states:
            raise DeviceNotFound("no Android device is connected")
        if len(states) > 1:
            raise DeviceNotFound(f"{len(states)} devices are connected ({', '.join(sorted(states))}); choose one",
                                 "Pass --serial SERIAL (or pick the device in the list).")
        serial = next(iter(states))
    state = states.get(serial)
    if state is None:
        raise DeviceNotFound(f"device {serial} is not connected" + (
            f" (connected: {', '.join(sorted(states))})" if states else ""))
    if state == "unauthorized":
        raise DeviceUnauthorized(f"device {serial} has not authorized this computer for USB debugging")
    if state == "offline":
        raise DeviceOffline(f"device {serial} is offline")
    if state != "device":
        raise DeviceError(f"device {serial} is in state '{state}'", STATE_ADVICE.get(state, ""))
    with _cache_lock:
        _detail_cache.pop(serial, None)
    info = _details(c, serial)
    with _cache_lock:
        _detail_cache[serial] = info
    return c.device(serial), info


class DeviceWatcher:
    """Polls the device list every ``interval`` s (default 1) and calls ``on_change(list[DeviceInfo])``
    when it changes, or ``on_error(DeviceError)`` once when the server cannot be reached."""

    def __init__(self, on_change: Callable[[list[DeviceInfo]], None],
                 on_error: Callable[[DeviceError], None] | None = None, interval: float = 1.0):
        self.on_change, self.on_error, self.interval = on_change, on_error, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: list | None = None
        self._last_error: str | None = None

    def start(self) -> DeviceWatcher:
        self._thread = threading.Thread(target=self._loop, name="qftune-device-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling; waits for a poll under way unless called from a callback."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def poll(self) -> None:
        try:
            devices = list_devices()
        except DeviceError as exc:
            if str(exc) != self._last_error and self.on_error is not None:
                self.on_error(exc)
            self._last_error, self._last = str(exc), None
            return
        self._last_error = None
        key = [d.to_json() for d in devices]
        if key != self._last:
            self._last = key
            self.on_change(devices)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.poll()
            self._stop.wait(self.interval)
