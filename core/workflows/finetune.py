"""Fine-tune: quantization-aware fine-tuning of a session's model (``qftune finetune``, Jobs > Fine-tune…).

The user action around :mod:`core.qat`: the session (its model must exist), the options and every output
are checked before any work (an error names the option as the CLI spells it, and the value), then the run
(resumable, see :func:`core.qat.finetune`). The result is the run log, also written as ``M_qat.log.json``;
its ``session_out`` is M_qat.qft, whose plan holds the trained ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..progress import NULL_PROGRESS


@dataclass
class FinetuneResult:
    log: dict                # the run log (M_qat.log.json): config, per-epoch loss/accuracy, runs, outputs
    out: str                 # the fine-tuned model, M_qat.keras (written by the chief worker only)

    def to_dict(self) -> dict:
        """What ``qftune finetune --json`` prints and the GUI's Fine-tune job returns: the run log."""
        return dict(self.log)


def check_finetune(session: str, out: str, model: str | None = None, force: bool = False):
    """The session ``session`` (``model``: its Keras model, if it moved since calibration) and the files the
    run writes beside ``out`` (M_qat.keras, M_qat.qft, the log, the backup folder), checked before any work;
    returns the loaded session."""
    from ..qat.config import check_finetune_outputs
    from .inputs import load_session

    s = load_session(session, model)
    check_finetune_outputs(session, s.model_path, out, force)
    return s


def finetune(session: str, options, out: str, model: str | None = None, force: bool = False,
             progress=NULL_PROGRESS) -> FinetuneResult:
    """Fine-tune the model of the session file ``session`` with ``options`` (a :class:`core.qat.FinetuneConfig`
    or its fields as a dict, each checked) and write ``out`` and M_qat.qft beside it. A run of the same
    options after a cancel or a kill resumes from its backup."""
    from ..qat import FinetuneConfig
    from ..qat import finetune as _finetune

    config = options if isinstance(options, FinetuneConfig) else FinetuneConfig(**options)
    s = check_finetune(session, out, model, force)
    return FinetuneResult(_finetune(s, config, out, progress=progress), str(out))
