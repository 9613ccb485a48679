"""What a training run is: its options, their allowed ranges, and the files it writes.

Files written next to ``out`` (``model.keras``), by the chief worker only:
  ``model.ckpt.keras``  full model + optimizer state after the last finished (finite) epoch
  ``model.log.json``    the run: arguments, per-epoch loss/accuracy/images per second, wall time
  ``model.backup/``     keras.callbacks.BackupAndRestore state (weights + epoch); removed when
                        the run finishes, used automatically when a killed job is restarted
  ``model.keras``       the final model (after the last epoch), without optimizer state
"""

from __future__ import annotations

import math
import shlex
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

STRATEGIES = ("auto", "one-device", "mirrored", "multi-worker")

# Upper bounds that fit this product's use (a typo such as --epochs 100000 is refused, not run for a year).
LIMITS = {
    "width": (0.0, 4.0),           # exclusive low: width > 0
    "epochs": (1, 10_000),
    "batch_size": (1, 65_536),
    "learning_rate": (0.0, 100.0),  # exclusive low
    "input_size": (8, 1024),
    "limit": (1, None),
}


@dataclass
class TrainConfig:
    arch: str = "mobilenet-v2"
    qf_changes: tuple[int, ...] = ()
    width: float = 0.5
    data: str = "fashion-mnist"
    data_path: str | None = None
    epochs: int = 10
    batch_size: int = 128          # global batch, split across every replica of every worker
    learning_rate: float | None = None  # at the recipe's reference batch; None = the recipe's own
    input_size: int | None = None
    limit: int | None = None
    seed: int = 0
    augment: bool = True
    recipe: str = "qftune"
    strategy: str = "auto"
    mixed_precision: bool = False
    command: str = field(default_factory=lambda: shlex.join(["qftune"] + sys.argv[1:]))

    def __post_init__(self):
        self.qf_changes = tuple(int(c) for c in self.qf_changes)
        validate(self)

    def to_dict(self):
        d = asdict(self)
        d["qf_changes"] = list(self.qf_changes)
        return d


class ConfigError(ValueError):
    """An option outside its allowed range; the message names the option as the CLI spells it."""


_OPTION = {"width": "--width", "epochs": "--epochs", "batch_size": "--batch-size", "learning_rate": "--lr",
           "input_size": "--input-size", "limit": "--limit",
           "strategy": "--strategy", "recipe": "--recipe"}


def check_number(name: str, value, integer: bool = False):
    """``value`` if it is a finite number inside ``LIMITS[name]``, else a :class:`ConfigError` naming the option."""
    option = _OPTION.get(name, name)
    lo, hi = LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not float(value).is_integer()):
        raise ConfigError(f"{option} must be {'an integer' if integer else 'a number'}, got {value!r}")
    if not math.isfinite(value):
        raise ConfigError(f"{option} must be a finite number, got {value}")
    exclusive = isinstance(lo, float)
    if (value <= lo) if exclusive else (value < lo):
        raise ConfigError(f"{option} must be {'>' if exclusive else '>='} {lo:g}, got {value:g}")
    if hi is not None and value > hi:
        raise ConfigError(f"{option} must be <= {hi:g}, got {value:g}")
    return int(value) if integer else float(value)


def validate(config: TrainConfig) -> None:
    from .recipes import RECIPES

    check_number("width", config.width)
    check_number("epochs", config.epochs, integer=True)
    check_number("batch_size", config.batch_size, integer=True)
    if config.learning_rate is not None:
        check_number("learning_rate", config.learning_rate)
    if config.input_size is not None:
        check_number("input_size", config.input_size, integer=True)
    if config.limit is not None:
        check_number("limit", config.limit, integer=True)
    if config.strategy not in STRATEGIES:
        raise ConfigError(f"--strategy must be one of {', '.join(STRATEGIES)}, got {config.strategy!r}")
    if config.recipe not in RECIPES:
        raise ConfigError(f"--recipe must be one of {', '.join(RECIPES)}, got {config.recipe!r}")


def output_paths(out: Path) -> dict:
    """The files a run writes beside ``out``."""
    stem = out.with_suffix("")
    return {"model": out, "ckpt": Path(f"{stem}.ckpt.keras"), "log": Path(f"{stem}.log.json"),
            "backup": Path(f"{stem}.backup")}


def check_output_files(out: str | Path, resume: bool, force: bool = False) -> None:
    """``train --out M.keras``: M.keras, M.ckpt.keras (the input with --resume), M.log.json and the
    M.backup/ folder, checked by :func:`core.outputs.check_outputs` before any work."""
    from ..outputs import DIRECTORY, KERAS, TRAINING_LOG, Output, check_outputs

    paths = output_paths(Path(out))
    inputs = [("the checkpoint --resume continues from", paths["ckpt"])] if resume else []
    outputs = [Output("--out", out, KERAS), Output("the training log", paths["log"], TRAINING_LOG),
               Output("the backup folder", paths["backup"], DIRECTORY)]
    if not resume:
        outputs.append(Output("the checkpoint", paths["ckpt"], KERAS))
    check_outputs(inputs, outputs, force=force)
