"""The Device panel's device list: the phones the adb server sees, with advice for one that is not ready.

``core.device.DeviceWatcher`` polls the server every second on its own thread (so a
hot-plug shows within 2 s); its callbacks reach the UI thread through a queued signal.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QGroupBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from core.device import DeviceWatcher


class _Bridge(QObject):
    """Carries the watcher thread's callbacks onto the UI thread.

    It has no parent, so the watcher's reference keeps it alive: a poll that ends while
    the list is being deleted emits into a live object, never into a deleted one."""

    devices = Signal(list)
    error = Signal(str)


class DeviceList(QGroupBox):
    """The device list; the first ready device is selected, a selection survives refreshes.

    Signals: ``devicesChanged(list[DeviceInfo])``, ``selectionChanged()``.
    """

    devicesChanged = Signal(list)
    selectionChanged = Signal()

    def __init__(self, parent: QWidget | None = None, watch: bool = True):
        super().__init__("Devices (adb)", parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        self.list = QListWidget()
        self.list.setObjectName("deviceList")
        self.list.setMaximumHeight(60)
        self.list.currentItemChanged.connect(lambda *_: self.selectionChanged.emit())
        self.advice = QLabel("looking for devices…")
        self.advice.setWordWrap(True)
        layout.addWidget(self.list)
        layout.addWidget(self.advice)
        self.devices: list = []

        bridge = _Bridge()
        bridge.devices.connect(self._on_devices)
        bridge.error.connect(self._on_error)
        self._bridge = bridge

        def deliver(signal: str, value) -> None:
            try:
                getattr(bridge, signal).emit(value)
            except RuntimeError:      # Qt is already torn down (the interpreter is exiting)
                watcher.stop()

        watcher = DeviceWatcher(lambda devices: deliver("devices", devices),
                                lambda exc: deliver("error", exc.full_message()))
        self._watcher = watcher
        # the list may be deleted without being closed (its window deleted), or the application
        # quit with the list still open: stop polling then
        self.destroyed.connect(lambda *_: watcher.stop())
        QCoreApplication.instance().aboutToQuit.connect(watcher.stop)
        if watch:
            self._watcher.start()

    def selected_serial(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item is not None else None

    def refresh(self) -> None:
        """Poll the adb server now (on the calling thread)."""
        self._watcher.poll()

    def stop(self) -> None:
        """Stop polling (waits for a poll under way)."""
        self._watcher.stop()

    @Slot(list)
    def _on_devices(self, devices: list) -> None:
        current = self.selected_serial()
        self.devices = devices
        self.list.clear()
        for d in devices:
            text = (f"{d.model} — {d.serial} (Android {d.android}, {d.abi})" if d.ready
                    else f"{d.serial} — {d.state}")
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, d.serial)
            item.setToolTip(d.advice or text)
            self.list.addItem(item)
            if d.serial == current or (current is None and d.ready):
                self.list.setCurrentItem(item)
                current = d.serial
        problems = [f"{d.serial}: {d.state}. {d.advice}" for d in devices if not d.ready]
        self.advice.setText("\n".join(problems) if problems else
                            ("no devices: plug a phone in with USB debugging enabled" if not devices else ""))
        self.selectionChanged.emit()
        self.devicesChanged.emit(devices)

    @Slot(str)
    def _on_error(self, message: str) -> None:
        self.list.clear()
        self.advice.setText(message)
