"""What a fine-tuning run is: its options, their allowed ranges, and the files it writes.

Files written next to ``out`` (``M_qat.keras``):
  ``M_qat.keras``     the fine-tuned float model: the source model's architecture, each folded BatchNorm
                      an exact identity (mean 0, variance 1, gamma 1, epsilon 0) and its conv holding the
                      trained folded kernel, so folding it again gives the trained weights bit for bit
  ``M_qat.qft``       the session of that model: the source plan, its ranges the trained ones (``fixed``:
                      identical), its kernels' granularity the one trained with
  ``M_qat.log.json``  the run (written after every epoch, like ``train``'s)
  ``M_qat.backup/``   keras.callbacks.BackupAndRestore state; removed when the run finishes, used
                      automatically when a killed run is restarted with the same command
"""

from __future__ import annotations

import math
import shlex
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..quant.granularity import GRANULARITIES
from ..training.config import STRATEGIES, ConfigError
from ..training.recipes import RECIPES

RANGE_MODES = ("fixed", "learned")
DEFAULT_LR = 1e-5        # Adam at batch 128: fine-tuning a trained model, not training one

# option -> (low, high, integer, low exclusive)
LIMITS = {
    "epochs": (1, 10_000, True, False),
    "steps_per_epoch": (1, 1_000_000, True, False),
    "batch_size": (1, 65_536, True, False),
    "learning_rate": (0.0, 1.0, False, True),
    "limit": (1, None, True, False),
}
OPTION = {"epochs": "--epochs", "steps_per_epoch": "--steps-per-epoch", "batch_size": "--batch-size",
          "learning_rate": "--lr", "limit": "--limit"}


def check_option(name: str, value):
    """``value`` if it is a finite number in ``LIMITS[name]``; a :class:`ConfigError` naming the option otherwise."""
    lo, hi, integer, exclusive = LIMITS[name]
    option = OPTION[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            integer and math.isfinite(value) and not float(value).is_integer()):
        raise ConfigError(f"{option} must be {'an integer' if integer else 'a number'}, got {value!r}")
    if not math.isfinite(value):
        raise ConfigError(f"{option} must be a finite number, got {value}")
    if (value <= lo) if exclusive else (value < lo):
        raise ConfigError(f"{option} must be {'>' if exclusive else '>='} {lo:g}, got {value:g}")
    if hi is not None and value > hi:
        raise ConfigError(f"{option} must be <= {hi:g}, got {value:g}")
    return int(value) if integer else float(value)


@dataclass
class FinetuneConfig:
    data: str = "embedded"
    data_path: str | None = None
    epochs: int = 1
    steps_per_epoch: int | None = None   # None: one pass over the training images
    batch_size: int = 32
    learning_rate: float | None = None   # at the recipe's reference batch; None: DEFAULT_LR
    ranges: str = "fixed"
    weights: str = "per-channel"         # the default of kernel entries without a granularity (export's --weights)
    strategy: str = "auto"
    recipe: str = "qftune"
    limit: int | None = None
    seed: int = 0
    augment: bool = False
    command: str = field(default_factory=lambda: shlex.join(["qftune"] + sys.argv[1:]))

    def __post_init__(self):
        for name in ("epochs", "batch_size"):
            check_option(name, getattr(self, name))
        for name in ("steps_per_epoch", "learning_rate", "limit"):
            if getattr(self, name) is not None:
                check_option(name, getattr(self, name))
        if self.ranges not in RANGE_MODES:
            raise ConfigError(f"--ranges must be one of {', '.join(RANGE_MODES)}, got {self.ranges!r}")
        if self.weights not in GRANULARITIES:
            raise ConfigError(f"--weights must be one of {', '.join(GRANULARITIES)}, got {self.weights!r}")
        if self.strategy not in STRATEGIES:
            raise ConfigError(f"--strategy must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}")
        if self.recipe not in RECIPES:
            raise ConfigError(f"--recipe must be one of {', '.join(RECIPES)}, got {self.recipe!r}")

    @property
    def base_lr(self) -> float:
        return DEFAULT_LR if self.learning_rate is None else self.learning_rate

    def to_dict(self) -> dict:
        return asdict(self)


def finetune_paths(out: str | Path) -> dict:
    """The files a run writes beside ``out``."""
    out = Path(out)
    stem = out.with_suffix("")
    return {"model": out, "session": Path(f"{stem}.qft"), "log": Path(f"{stem}.log.json"),
            "backup": Path(f"{stem}.backup"), "ckpt": None}


def check_finetune_outputs(session_path, model_path, out, force: bool = False) -> None:
    """Every file of the run against :func:`core.outputs.check_outputs`, before any work: none may be an
    input (the session, its model), and an existing file of another kind is replaced only with --force."""
    from ..outputs import DIRECTORY, KERAS, SESSION, TRAINING_LOG, Output, check_outputs

    out = Path(out)
    if out.suffix != ".keras":
        raise ConfigError(f"--out {out}: the fine-tuned model must end in .keras (M_qat.keras)")
    paths = finetune_paths(out)
    inputs = [("the session", session_path)] + ([("the session's model", model_path)] if model_path else [])
    check_outputs(inputs, [Output("--out", out, KERAS), Output("the fine-tuned session", paths["session"], SESSION),
                           Output("the fine-tuning log", paths["log"], TRAINING_LOG),
                           Output("the backup folder", paths["backup"], DIRECTORY)], force=force)
