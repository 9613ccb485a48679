"""What an autotune run may do and must reach, checked before any work.

The target hardware's limits are options: ``weights`` (``per-tensor``: an accelerator or DSP that
takes only per-tensor weights; ``per-channel``; ``any``: per-channel where it pays) and ``allow``
(the moves it may use; ``float``, an op computed in float32, and ``int16``, an op and its readers with
16x8 activations, only when asked for: both grow the model).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MOVES = ("clip", "per-channel", "int16", "float")
DEFAULT_ALLOW = ("clip", "per-channel")     # float and int16 ops grow the model: only when asked for
WEIGHT_LIMITS = ("per-tensor", "per-channel", "any")
COSTS = ("size", "latency")
DEFAULT_HOLDOUT = 2000


class AutotuneInputError(ValueError):
    """An autotune option the run cannot honour, phrased for the user."""


def parse_allow(text: str) -> tuple[str, ...]:
    """``clip,per-channel`` -> ("clip", "per-channel"); unknown moves are named."""
    moves = tuple(dict.fromkeys(m.strip() for m in str(text).split(",") if m.strip()))
    if not moves:
        raise AutotuneInputError(f"--allow needs at least one move ({', '.join(MOVES)}), got {text!r}")
    unknown = [m for m in moves if m not in MOVES]
    if unknown:
        raise AutotuneInputError(f"--allow: unknown move(s) {', '.join(unknown)}; choose from {', '.join(MOVES)}")
    return moves


@dataclass
class TuneOptions:
    """The search's inputs: ``max_drop_pp`` (top-1 drop against float, percentage points), ``cost``
    (what "least" means: ``size`` or ``latency``), ``weights`` (the hardware's weight granularity),
    ``allow`` (moves), ``max_evals`` (simulated evaluations at most), ``holdout`` (held-out images)."""

    max_drop_pp: float
    cost: str = "size"
    weights: str = "any"
    allow: tuple[str, ...] = field(default_factory=lambda: DEFAULT_ALLOW)
    max_evals: int = 200
    holdout: int = DEFAULT_HOLDOUT
    threads: int = 1

    def __post_init__(self):
        if isinstance(self.allow, str):
            self.allow = parse_allow(self.allow)
        else:
            self.allow = parse_allow(",".join(self.allow))
        v = self.max_drop_pp
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not 0 <= v <= 100:
            raise AutotuneInputError(f"--max-drop must be a finite number of percentage points from 0 to 100, got {v!r}")
        if self.cost not in COSTS:
            raise AutotuneInputError(f"--cost must be one of {', '.join(COSTS)}, got {self.cost!r}")
        if self.weights not in WEIGHT_LIMITS:
            raise AutotuneInputError(f"--weights must be one of {', '.join(WEIGHT_LIMITS)}, got {self.weights!r}")
        for name in ("max_evals", "holdout", "threads"):
            n = getattr(self, name)
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise AutotuneInputError(f"{name.replace('_', '-')} must be an integer >= 1, got {n!r}")
        if self.weights == "per-tensor" and self.allow == ("per-channel",):
            raise AutotuneInputError("--allow per-channel with --weights per-tensor leaves no move: the hardware "
                                     "takes per-tensor weights only; allow clip")

    @property
    def base_granularity(self) -> str:
        """The kernels' granularity the search starts from: per-tensor (the cheapest) unless the
        hardware's weights are per-channel."""
        return "per-channel" if self.weights == "per-channel" else "per-tensor"

    @property
    def may_go_per_channel(self) -> bool:
        return self.weights == "any" and "per-channel" in self.allow

    def to_dict(self) -> dict:
        return {"max_drop_pp": self.max_drop_pp, "cost": self.cost, "weights": self.weights,
                "allow": list(self.allow), "max_evals": self.max_evals, "holdout": self.holdout,
                "threads": self.threads}
