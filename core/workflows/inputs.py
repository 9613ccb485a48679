"""What several user actions read the same way: a session whose model exists, a test set cut to a
limit, and a convention given as an object or its dict. (The input convention itself comes from
:func:`core.models.convention.resolve_convention`.)"""

from __future__ import annotations


def load_session(session_path: str, model_path: str | None = None):
    """The session of a .qft whose model file exists; ``model_path`` overrides the recorded model file."""
    from ..session import Session, SessionError

    session = Session.load(session_path, model_path=model_path)
    try:
        session.require_model()
    except SessionError as exc:
        raise SessionError(f"{exc} (--model PATH)") from None
    return session


def test_split(spec: str, limit: int | None = None, path=None, skip_bad: bool = False, warn=None,
               class_map: str | None = None):
    """The test split of ``spec`` (its training split only if it names one), first ``limit`` images;
    ``class_map``: relabelled by that ``--class-map`` file (:mod:`core.data.classes`)."""
    from ..data import load_dataset

    ds = load_dataset(spec, default_split="test", path=path, skip_bad=skip_bad, warn=warn)
    from ..data.classes import apply_class_map

    ds = apply_class_map(ds, class_map)
    return ds.limit(limit)


def images_read(ds) -> int:
    """Images actually used from ``ds`` (after it was read: unreadable files skipped)."""
    return len(ds) - len(ds.skipped)


def as_convention(convention):
    """An :class:`~core.models.convention.InputConvention` from one, its ``to_dict()``, or None."""
    if convention is None or not isinstance(convention, dict):
        return convention
    from ..models.convention import InputConvention

    return InputConvention.from_dict(convention)

