"""TFLite's ``benchmark_model`` on the phone: command line, streaming run, parsed summary."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..progress import NULL_PROGRESS, Progress
from .errors import DeviceError, ToolFailed, ToolNoOutput
from .shell import join, quote, run
from .summary import BenchmarkSummary, parse_benchmark_output

DELEGATES = {
    "cpu": ["--use_xnnpack=false"],
    "xnnpack": ["--use_xnnpack=true"],
    "gpu": ["--use_gpu=true"],
    "nnapi": ["--use_nnapi=true"],
}
PIXEL2_BIG_CORES = "f0"


@dataclass
class BenchmarkConfig:
    threads: int = 1
    runs: int = 50
    warmup_runs: int = 1
    delegate: str = "cpu"
    pin_mask: str | None = None  # e.g. "f0": the Pixel 2's four big cores (taskset)
    extra_args: list[str] = field(default_factory=list)
    timeout_s: float = 600.0

    def validate(self) -> None:
        if self.delegate not in DELEGATES:
            raise ValueError(f"delegate must be one of {', '.join(DELEGATES)}, got {self.delegate!r}")
        if self.threads < 1 or self.runs < 1 or self.warmup_runs < 0:
            raise ValueError(f"threads and runs must be >= 1 and warm-up runs >= 0 "
                             f"(got threads={self.threads}, runs={self.runs}, warmup={self.warmup_runs})")
        if self.pin_mask is not None and not re.fullmatch(r"(0x)?[0-9a-fA-F]+", self.pin_mask):
            raise ValueError(f"core pinning mask must be hexadecimal like f0, got {self.pin_mask!r}")


def benchmark_command(tool: str, model: str, config: BenchmarkConfig) -> str:
    args = [tool, f"--graph={model}", f"--num_threads={config.threads}", f"--num_runs={config.runs}",
            f"--warmup_runs={config.warmup_runs}", *DELEGATES[config.delegate], *config.extra_args]
    prefix = f"taskset {quote(config.pin_mask)} " if config.pin_mask else ""
    return prefix + join(args)


def run_benchmark(device, tool: str, model: str, config: BenchmarkConfig,
                  on_line: Callable[[str], None] | None = None, progress: Progress = NULL_PROGRESS,
                  what: str = "benchmark_model") -> BenchmarkSummary:
    """One benchmark_model run on the device; raises ToolFailed/ToolNoOutput/DeviceLost.

    An exit status of 0 with no readable latency is not an error: the summary keeps the raw
    text and ``parsed`` is False, so the caller shows text rather than a number.
    """
    lines: list[str] = []

    def collect(line: str) -> None:
        lines.append(line)
        if on_line is not None:
            on_line(line)

    try:
        result = run(device, benchmark_command(tool, model, config), timeout=config.timeout_s, idle_timeout=None,
                     on_line=collect, progress=progress, what=what)
    except DeviceError as exc:
        exc.partial_output = "\n".join(lines)
        raise
    text = result.output
    if not text.strip():
        if result.exit_code:
            raise ToolFailed(f"{what} exited with status {result.exit_code}{_signal(result.exit_code)} "
                             "without printing anything")
        raise ToolNoOutput(f"{what} printed nothing (exit status 0)")
    if result.exit_code != 0:
        last = [line.strip() for line in text.splitlines() if line.strip()][-3:]
        err = ToolFailed(f"{what} exited with status {result.exit_code}{_signal(result.exit_code)}; "
                         f"last output: {' | '.join(last)}")
        err.partial_output = text
        raise err
    return parse_benchmark_output(text)


def _signal(code: int) -> str:
    names = {139: "SIGSEGV", 134: "SIGABRT", 137: "SIGKILL", 136: "SIGFPE", 135: "SIGBUS", 132: "SIGILL"}
    return f" (crashed: {names[code]})" if code in names else ""
