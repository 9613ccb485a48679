"""Measuring a model on an Android phone over adb: discovery, deploy, latency rounds, accuracy.

No Qt here. The GUI and the CLI call :func:`list_devices`, :class:`DeviceWatcher` and :func:`measure`.
"""

from .adb import DeviceInfo, DeviceWatcher, list_devices, open_device
from .benchmark import DELEGATES, PIXEL2_BIG_CORES, BenchmarkConfig
from .deploy import DEFAULT_REMOTE_DIR
from .errors import (
                     AdbServerDied,
                     AdbUnavailable,
                     CommandTimeout,
                     DeviceError,
                     DeviceLost,
                     DeviceNotFound,
                     DeviceOffline,
                     DeviceUnauthorized,
                     NotEnoughSpace,
                     PushFailed,
                     ToolAbiMismatch,
                     ToolFailed,
                     ToolNoOutput,
)
from .measure import LPIRC_BUDGET_MS, MeasureConfig, MeasureEvent, MeasureReport, measure
from .summary import BenchmarkSummary, EvalResult, parse_benchmark_output, parse_eval_output

__all__ = [
    "DeviceInfo", "DeviceWatcher", "list_devices", "open_device", "DELEGATES", "PIXEL2_BIG_CORES",
    "BenchmarkConfig", "DEFAULT_REMOTE_DIR", "AdbServerDied", "AdbUnavailable", "CommandTimeout", "DeviceError",
    "DeviceLost", "DeviceNotFound", "DeviceOffline", "DeviceUnauthorized", "NotEnoughSpace", "PushFailed",
    "ToolAbiMismatch", "ToolFailed", "ToolNoOutput", "LPIRC_BUDGET_MS", "MeasureConfig", "MeasureEvent",
    "MeasureReport", "measure", "BenchmarkSummary", "EvalResult", "parse_benchmark_output", "parse_eval_output",
]
