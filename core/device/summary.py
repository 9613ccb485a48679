"""Parsing the text the measurement tools print (docs/device.md, section 1), tolerant of build differences.

``benchmark_model`` builds differ: log prefixes (``INFO:``, ``I tflite/...]``), the stats line
with or without ``p5/median/p95``, scientific notation, memory as "Memory footprint delta" or
"Peak memory footprint", the old "Average inference timings in us: Warmup: .., Init: ..,
no stats: .." summary, and lines missing altogether. When no latency can be read the result
says so (``parsed`` False) and keeps the raw text; it never invents a number.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"

_STATS = re.compile(r"\bcount=(\d+)((?:\s+\w+=" + NUM + r")+)")
_PAIR = re.compile(r"(\w+)=(" + NUM + r")")
_TIMINGS = re.compile(r"Inference timings in us:(.*)$", re.M)
_OLD_TIMINGS = re.compile(r"Average inference timings in us:(.*)$", re.M)
_FIELD = re.compile(r"([A-Za-z][A-Za-z ()]*?):\s*(" + NUM + r")")
_MEMORY = re.compile(r"(Memory footprint delta from the start of the tool|Peak memory footprint)\s*\(MB\):"
                     r"\s*init=(" + NUM + r")\s+overall=(" + NUM + r")")
_PEAK_ONLY = re.compile(r"Overall peak memory footprint \(MB\) via periodic monitoring:\s*(" + NUM + r")")


@dataclass
class BenchmarkSummary:
    """One benchmark_model run. Times in microseconds, memory in MB; None = the build did not print it."""

    init_us: float | None = None
    first_us: float | None = None
    warmup_avg_us: float | None = None
    avg_us: float | None = None
    min_us: float | None = None
    max_us: float | None = None
    std_us: float | None = None
    median_us: float | None = None
    p5_us: float | None = None
    p95_us: float | None = None
    count: int | None = None
    memory_init_mb: float | None = None
    memory_overall_mb: float | None = None
    memory_kind: str | None = None  # "delta" or "peak"
    peak_memory_mb: float | None = None
    raw: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def parsed(self) -> bool:
        return self.avg_us is not None

    @property
    def avg_ms(self) -> float | None:
        return None if self.avg_us is None else self.avg_us / 1000.0

    def to_json(self, with_raw: bool = False) -> dict:
        d = asdict(self)
        d["parsed"] = self.parsed
        d["avg_ms"] = self.avg_ms
        if not with_raw:
            d.pop("raw")
        return d

    def describe(self) -> str:
        if not self.parsed:
            return "latency not readable from the tool output (see raw output)"
        parts = [f"avg {format_ms(self.avg_us / 1000)} ms"]
        if self.min_us is not None and self.max_us is not None:
            parts.append(f"min {format_ms(self.min_us / 1000)} / max {format_ms(self.max_us / 1000)}")
        if self.std_us is not None:
            parts.append(f"std {format_ms(self.std_us / 1000)}")
        if self.init_us is not None:
            parts.append(f"init {self.init_us / 1000:.1f} ms")
        if self.memory_overall_mb is not None:
            parts.append(f"mem {self.memory_overall_mb:.1f} MB ({self.memory_kind})")
        return ", ".join(parts)


def format_ms(ms: float) -> str:
    """Milliseconds with enough digits for both a 28 ms phone model and a 3 us toy."""
    return f"{ms:.2f}" if ms >= 1 else f"{ms:.3g}"


def _f(text: str) -> float:
    return float(text)


def parse_benchmark_output(text: str) -> BenchmarkSummary:
    s = BenchmarkSummary(raw=text)
    stats = _STATS.findall(text)
    if stats:
        count, rest = stats[-1]  # the last stats line is the measured runs (the first is the warm-up)
        s.count = int(count)
        values = {k: _f(v) for k, v in _PAIR.findall(rest)}
        s.min_us, s.max_us = values.get("min"), values.get("max")
        s.std_us, s.median_us = values.get("std"), values.get("median", values.get("p50"))
        s.p5_us, s.p95_us = values.get("p5"), values.get("p95")
        stats_avg = values.get("avg")
    else:
        stats_avg = None
        s.problems.append("no 'count=.. avg=..' statistics line")
    m = _last(_TIMINGS, text)
    if m is not None:
        fields = {k.strip().lower(): _f(v) for k, v in _FIELD.findall(m.group(1))}
        s.init_us = fields.get("init")
        s.first_us = fields.get("first inference")
        s.warmup_avg_us = fields.get("warmup (avg)", fields.get("warmup"))
        s.avg_us = fields.get("inference (avg)")
        if s.avg_us is None:
            s.problems.append("summary line without 'Inference (avg)'")
    else:
        old = _OLD_TIMINGS.search(text)
        if old is not None:
            fields = {k.strip().lower(): _f(v) for k, v in _FIELD.findall(old.group(1))}
            s.init_us = fields.get("init")
            s.warmup_avg_us = fields.get("warmup")
            s.avg_us = fields.get("no stats")
        else:
            s.problems.append("no 'Inference timings in us' summary line")
    if s.avg_us is None and stats_avg is not None:
        s.avg_us = stats_avg
    mem = _last(_MEMORY, text)
    if mem is not None:
        s.memory_kind = "delta" if mem.group(1).startswith("Memory footprint delta") else "peak"
        s.memory_init_mb, s.memory_overall_mb = _f(mem.group(2)), _f(mem.group(3))
    peak = _PEAK_ONLY.search(text)
    if peak is not None:
        s.peak_memory_mb = _f(peak.group(1))
    return s


@dataclass
class EvalResult:
    """run_eval's accuracy summary; None = not printed."""

    top1: float | None = None
    top5: float | None = None
    num_runs: int | None = None
    latency_avg_us: float | None = None
    latency_std_us: float | None = None
    raw: str = ""

    @property
    def parsed(self) -> bool:
        return self.top1 is not None

    def to_json(self, with_raw: bool = False) -> dict:
        d = asdict(self)
        d["parsed"] = self.parsed
        if not with_raw:
            d.pop("raw")
        return d


_TOPK = re.compile(r"Top-(\d+) Accuracy:\s*(" + NUM + r")\s*(%?)")
_RUNS = re.compile(r"Num evaluation runs:\s*(\d+)")
_LAT = re.compile(r"Inference latency:\s*avg=(" + NUM + r")\s*\(us\),\s*std_dev=(" + NUM + r")\s*\(us\)")


def parse_eval_output(text: str) -> EvalResult:
    r = EvalResult(raw=text)
    for k, v, pct in _TOPK.findall(text):
        value = _f(v) / 100.0 if pct else _f(v)
        if k == "1":
            r.top1 = value
        elif k == "5":
            r.top5 = value
    runs = _RUNS.findall(text)
    if runs:
        r.num_runs = int(runs[-1])
    lat = _LAT.findall(text)
    if lat:
        r.latency_avg_us, r.latency_std_us = _f(lat[-1][0]), _f(lat[-1][1])
    return r


def _last(pattern, text):
    """The last match of ``pattern`` in ``text`` (benchmark_model repeats its summary per run), or None."""
    matches = list(pattern.finditer(text))
    return matches[-1] if matches else None
