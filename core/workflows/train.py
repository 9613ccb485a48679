"""Train: an original or quantization-friendly MobileNet from scratch (``qftune train``, Jobs > Train…).

The user action around :mod:`core.training`: every option and every output is checked before any work
(an error names the option as the CLI spells it, and the value), then the run (resumable, on one device
or many, see :func:`core.training.train`). The result is the run log, also written as ``MODEL.log.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..progress import NULL_PROGRESS


@dataclass
class TrainResult:
    log: dict                # the run log (MODEL.log.json): config, per-epoch loss/accuracy, runs, wall time
    out: str                 # the trained model, MODEL.keras (written by the chief worker only)

    @property
    def chief(self) -> bool:
        """Whether this process was the chief worker (the one that wrote the model)."""
        runs = self.log.get("runs") or [{}]
        return bool(runs[-1].get("chief", True))

    def to_dict(self) -> dict:
        """What ``qftune train --json`` prints and the GUI's Train job returns: the run log."""
        return dict(self.log)


def train_config(**options):
    """The run's options (:class:`core.training.TrainConfig`'s fields; ``qf_changes`` also as ``--qf-changes``
    text, "1,2,3"), checked: a :class:`core.training.ConfigError` (a ValueError) names the option and its value."""
    from ..models import ARCHITECTURES, QFConfig, parse_changes
    from ..training import ConfigError, TrainConfig

    arch = options.get("arch", "mobilenet-v2")
    if arch not in ARCHITECTURES:
        raise ConfigError(f"--arch must be one of {', '.join(sorted(ARCHITECTURES))}, got {arch!r}")
    changes = options.get("qf_changes", ())
    if isinstance(changes, str):
        changes = parse_changes(changes)            # its error names --qf-changes
    try:
        QFConfig.from_changes(changes)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"--qf-changes {','.join(map(str, changes))}: {exc}") from None
    return TrainConfig(**{**options, "qf_changes": tuple(changes)})


def check_out(out, resume: bool = False, force: bool = False) -> Path:
    """``--out MODEL.keras`` and the files written beside it (checkpoint, log, backup folder), checked
    before any work: none of them another kind of file (unless ``force``), and a .keras file."""
    from ..training.config import check_output_files

    if not out:
        raise ValueError("--out: give the model file to write, MODEL.keras")
    out = Path(out)
    # What is already there first: a session (or any file of another kind) at --out is named as such,
    # and never replaced without --force; then the output's own kind.
    check_output_files(out, resume, force)
    if out.suffix != ".keras":
        raise ValueError(f"--out {out}: the trained model is written as a .keras file "
                         f"(got {out.suffix or 'no suffix'})")
    return out


def train(out: str, options, resume: bool = False, force: bool = False, progress=NULL_PROGRESS) -> TrainResult:
    """Train the model ``options`` describe (a :class:`core.training.TrainConfig`, or its fields as a dict,
    see :func:`train_config`) and save it to ``out`` (with ``resume``: continue from its checkpoint or
    backup; ``force``: replace outputs of another kind). Raises before any work on a bad option or output."""
    from ..training import TrainConfig
    from ..training import train as _train

    config = options if isinstance(options, TrainConfig) else train_config(**options)
    out = check_out(out, resume, force)
    return TrainResult(_train(config, out, resume=resume, progress=progress), str(out))
