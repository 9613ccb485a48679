"""Deploy & Measure: push models and tools, latency in rounds (each round emitted as it arrives),
then accuracy with run_eval — the one job behind ``qftune deploy`` and the GUI's Device panel."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..progress import NULL_PROGRESS, Progress
from .adb import DeviceInfo, open_device
from .benchmark import BenchmarkConfig, run_benchmark
from .deploy import DEFAULT_REMOTE_DIR, push_files
from .elf import check_abi
from .shell import check, join
from .summary import BenchmarkSummary, EvalResult

LPIRC_BUDGET_MS = 30.0  # LPIRC 2018: 20,000 images in 10 minutes on a Pixel 2
BENCHMARK_NAME = "benchmark_model"
EVAL_NAME = "run_eval"


@dataclass
class MeasureConfig:
    benchmark_tool: str
    eval_tool: str | None = None
    serial: str | None = None
    rounds: int = 5
    bench: BenchmarkConfig = field(default_factory=BenchmarkConfig)
    remote_dir: str = DEFAULT_REMOTE_DIR
    eval_images: int = 2000
    eval_data: str = "embedded:eval"
    skip_bad: bool = False
    convention: Any = None        # InputConvention overriding every model's own


@dataclass
class MeasureEvent:
    """``kind``: "device" (data=DeviceInfo), "stage" (text), "log" (model, text = one output line),
    "round" (model, round, data=BenchmarkSummary), "accuracy" (model, data=EvalResult or None and
    text = why it was not measured)."""

    kind: str
    model: str | None = None
    round: int | None = None
    data: Any = None
    text: str = ""


@dataclass
class MeasureReport:
    device: DeviceInfo | None = None
    rounds: dict[str, list[BenchmarkSummary]] = field(default_factory=dict)
    accuracy: dict[str, EvalResult | None] = field(default_factory=dict)
    accuracy_notes: dict[str, str] = field(default_factory=dict)

    def latency_ms(self, model: str) -> list[float | None]:
        return [s.avg_ms for s in self.rounds.get(model, [])]

    def to_json(self) -> dict:
        return {
            "device": self.device.to_json() if self.device else None,
            "budget_ms": LPIRC_BUDGET_MS,
            "models": {
                m: {
                    "rounds": [s.to_json(with_raw=not s.parsed) for s in rs],
                    "latency_ms": self.latency_ms(m),
                    "accuracy": self.accuracy[m].to_json() if self.accuracy.get(m) else None,
                    "accuracy_note": self.accuracy_notes.get(m, ""),
                }
                for m, rs in self.rounds.items()
            },
        }


def _remote_names(models: dict[str, str]) -> dict[str, str]:
    names, used = {}, set()
    for label, path in models.items():
        name = Path(path).name
        if name in used or name in (BENCHMARK_NAME, EVAL_NAME):
            name = f"{label}_{name}"
        used.add(name)
        names[label] = name
    return names


def _check_local_files(models: dict, config) -> None:
    """Each tool must be a non-empty ELF executable for an Android ABI, each model a .tflite flatbuffer."""
    from .elf import elf_abi

    for option, tool in (("--benchmark-tool", config.benchmark_tool), ("--eval-tool", config.eval_tool)):
        if tool:
            if Path(tool).stat().st_size == 0:
                raise ValueError(f"{option} {tool}: the file is empty")
            elf_abi(tool)
    kind, _, rest = (config.eval_data or "").partition(":")
    kinds = ("embedded", "fashion-mnist", "folder", "imagenet", "cifar10")
    if kind not in kinds:
        raise ValueError(f"--eval-data {config.eval_data}: unknown dataset kind {kind!r} (one of {', '.join(kinds)})")
    if kind in ("folder", "imagenet", "cifar10"):
        root = rest if kind == "folder" else (rest.rsplit(":", 1)[0] if rest.rsplit(":", 1)[-1] in
                                              ("train", "test", "val") else rest)
        if not root or not Path(root).exists():
            raise FileNotFoundError(f"--eval-data {config.eval_data}: no such folder {root or '(none given)'}")
    for path in models.values():
        with open(path, "rb") as f:
            head = f.read(8)
        if len(head) < 8 or head[4:8] != b"TFL3":
            raise ValueError(f"{path}: not a .tflite model ({'empty' if not head else 'no TFL3 flatbuffer identifier'})")


def measure(models: dict[str, str], config: MeasureConfig, progress: Progress = NULL_PROGRESS,
            on_event: Callable[[MeasureEvent], None] | None = None) -> MeasureReport:
    """Measure ``{label: model.tflite}`` on the device; raises a DeviceError subclass on a fault."""
    emit = on_event or (lambda e: None)
    config.bench.validate()
    if config.rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {config.rounds}")
    if not models:
        raise ValueError("no model to measure")
    for path in [*models.values(), config.benchmark_tool, *([config.eval_tool] if config.eval_tool else [])]:
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no such file")
    _check_local_files(models, config)       # what can be checked here, before looking for a device
    report = MeasureReport()

    emit(MeasureEvent("stage", text="connecting"))
    progress.update(0, 1, "connecting to the device")
    device, info = open_device(config.serial)
    report.device = info
    emit(MeasureEvent("device", data=info))
    check_abi(config.benchmark_tool, info.abilist, info.name)
    if config.eval_tool:
        check_abi(config.eval_tool, info.abilist, info.name)

    names = _remote_names(models)
    files = {BENCHMARK_NAME: (Path(config.benchmark_tool), 0o755)}
    if config.eval_tool:
        files[EVAL_NAME] = (Path(config.eval_tool), 0o755)
    files.update({names[label]: (Path(path), 0o644) for label, path in models.items()})
    emit(MeasureEvent("stage", text=f"pushing {len(files)} files to {config.remote_dir}"))
    pushed = push_files(device, info, files, config.remote_dir, progress.sub(0.0, 0.1, 1.0))
    tools = [pushed[BENCHMARK_NAME].remote] + ([pushed[EVAL_NAME].remote] if config.eval_tool else [])
    check(device, f"chmod 755 {join(tools)}", what="chmod on the tools", timeout=20)

    bench_progress = progress.sub(0.1, 0.6 if config.eval_tool else 0.9, 1.0)
    total = config.rounds * len(models)
    step = 0
    for r in range(1, config.rounds + 1):
        for label in models:
            msg = f"round {r}/{config.rounds}: {label}"
            emit(MeasureEvent("stage", model=label, round=r, text=msg))
            bench_progress.update(step, total, msg)

            def log(line, label=label, r=r):
                emit(MeasureEvent("log", model=label, round=r, text=line))

            summary = run_benchmark(device, pushed[BENCHMARK_NAME].remote, pushed[names[label]].remote, config.bench,
                                    on_line=log, progress=progress, what=f"benchmark_model ({label}, round {r})")
            report.rounds.setdefault(label, []).append(summary)
            emit(MeasureEvent("round", model=label, round=r, data=summary))
            step += 1
    bench_progress.update(total, total, "latency done")

    if not config.eval_tool:
        for label in models:
            note = "no run_eval tool given: accuracy on the device was not measured"
            report.accuracy[label], report.accuracy_notes[label] = None, note
            emit(MeasureEvent("accuracy", model=label, text=note))
        progress.update(1, 1, "done")
        return report
    _measure_accuracy(device, info, models, names, pushed, config, report, progress.sub(0.7, 0.3, 1.0), emit)
    progress.update(1, 1, "done")
    return report


def _measure_accuracy(device, info, models, names, pushed, config, report, progress, emit) -> None:
    from ..data import load_dataset
    from ..models.convention import resolve_convention
    from .accuracy import model_input, prepare_eval_data, push_eval_data, run_eval

    inputs = {label: model_input(path) for label, path in models.items()}
    conventions = {}
    for label, path in models.items():
        detail = {"dtype": inputs[label].dtype, "quantization": (inputs[label].scale, inputs[label].zero_point)}
        conventions[label] = resolve_convention(model_path=path, user=config.convention, input_detail=detail)
    runnable = {}
    for label, spec in inputs.items():
        problem = spec.device_eval_problem(conventions[label])
        if problem:
            report.accuracy[label], report.accuracy_notes[label] = None, problem
            emit(MeasureEvent("accuracy", model=label, text=problem))
        else:
            runnable[label] = spec
    if not runnable:
        return
    data = load_dataset(config.eval_data, "test", skip_bad=config.skip_bad,
                        warn=lambda m: emit(MeasureEvent("stage", text=m))).limit(config.eval_images)
    by_size: dict[tuple, list[str]] = {}
    for label, spec in runnable.items():   # one image folder per distinct (input, convention) mapping
        conv = conventions[label]
        key = (spec.height, spec.width, spec.channels, spec.dtype, spec.scale, spec.zero_point, conv.scale, conv.offset)
        by_size.setdefault(key, []).append(label)
    done = 0
    with tempfile.TemporaryDirectory(prefix="qftune-eval-") as tmp:
        for k, (size, labels) in enumerate(by_size.items()):
            emit(MeasureEvent("stage", text=f"preparing {len(data)} evaluation images ({size[0]}x{size[1]})"))
            local = prepare_eval_data(data, runnable[labels[0]], conventions[labels[0]], Path(tmp) / f"{k}")
            remote = push_eval_data(device, local, config.remote_dir, progress.sub(0.0, 0.2, 1.0))
            n_images = len(data) - len(data.skipped)
            for label in labels:
                emit(MeasureEvent("stage", model=label, text=f"run_eval on {n_images} images: {label}"))
                latencies = [s.avg_us for s in report.rounds.get(label, []) if s.avg_us]
                sub = progress.sub(0.2 + 0.8 * done / len(runnable), 0.8 / len(runnable), 1.0)
                result = run_eval(device, pushed[EVAL_NAME].remote, pushed[names[label]].remote, remote, n_images,
                                  threads=config.bench.threads, delegate=config.bench.delegate,
                                  pin_mask=config.bench.pin_mask,
                                  expected_us_per_image=min(latencies) if latencies else None,
                                  on_line=lambda line, label=label: emit(MeasureEvent("log", model=label, text=line)),
                                  progress=sub, what=f"run_eval ({label})")
                report.accuracy[label] = result
                report.accuracy_notes[label] = f"run_eval on the device, {result.num_runs} images of {config.eval_data}"
                emit(MeasureEvent("accuracy", model=label, data=result, text=report.accuracy_notes[label]))
                done += 1
