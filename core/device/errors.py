"""Errors of the phone path, each phrased for the user with what to do next."""

from __future__ import annotations


class DeviceError(Exception):
    """Base class: ``str(err)`` is the message, ``err.advice`` what the user can do."""

    kind = "device"
    advice = ""

    def __init__(self, message: str, advice: str | None = None):
        super().__init__(message)
        if advice is not None:
            self.advice = advice

    def full_message(self) -> str:
        return f"{self}. {self.advice}" if self.advice else str(self)


class AdbUnavailable(DeviceError):
    kind = "adb-unavailable"
    advice = "Install Android platform-tools (Debian: apt install adb) or put adb on PATH."


class AdbServerDied(DeviceError):
    kind = "adb-server-died"
    advice = "The adb server stopped (adb kill-server, or it crashed); qftune restarts it on the next try."


class DeviceNotFound(DeviceError):
    kind = "not-found"
    advice = "Plug the phone in with USB debugging enabled (or adb connect HOST:PORT), then retry."


class DeviceUnauthorized(DeviceError):
    kind = "unauthorized"
    advice = ("Unlock the phone and accept the 'Allow USB debugging?' dialog (tick 'Always allow'); "
              "if no dialog shows, revoke USB debugging authorizations in Developer options and replug.")


class DeviceOffline(DeviceError):
    kind = "offline"
    advice = "Replug the cable (or adb reconnect); an offline device does not answer commands."


class DeviceLost(DeviceError):
    kind = "device-lost"
    advice = "The phone disconnected mid-job (cable, crash, reboot). Reconnect it and retry."


class NotEnoughSpace(DeviceError):
    kind = "disk-full"
    advice = "Free space on the phone's /data partition or choose another remote directory."


class ToolAbiMismatch(DeviceError):
    kind = "abi"
    advice = "Download the benchmark/eval binary built for the phone's ABI (arm64-v8a: android_aarch64_*)."


class ToolFailed(DeviceError):
    kind = "tool-failed"
    advice = "See the raw tool output in the log; check the tool's flags, delegate and the model."


class ToolNoOutput(DeviceError):
    kind = "no-output"
    advice = "The tool printed nothing: is it the right binary (benchmark_model / run_eval)?"


class PushFailed(DeviceError):
    kind = "push"
    advice = "Retry; if it repeats, check the cable and free space on the phone."


class CommandTimeout(DeviceError):
    kind = "timeout"
    advice = "The command hung; reduce runs/images or check the phone."
