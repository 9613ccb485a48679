"""Calibrate: statistics of every int8 tensor over calibration images, every range chosen."""

from __future__ import annotations

from ..progress import NULL_PROGRESS


def calibrate(model: str, data: str = "embedded", per_class="auto", limit: int | None = None,
              method: str = "greedy", gamma: float = 1.0, bins: int | None = None, batch_size: int = 32,
              data_path=None, convention=None, skip_bad: bool = False, out: str | None = None,
              force: bool = False, progress=NULL_PROGRESS, warn=None, overrides: str = "keep", say=None):
    """Calibrate the Keras model file ``model`` (see :func:`core.calibrate.calibrate` for the options;
    ``per_class="auto"``: 1,000 images in all, balanced; None: every image) and return the
    :class:`~core.session.Session`. With ``out`` it is saved there; a file at ``out`` changed
    while calibrating is not overwritten unless ``force``.

    A session already at ``out`` may hold manual overrides (user ranges, kernel clips, float ops): with
    ``overrides="keep"`` those that still apply are carried onto the new plan, ``"discard"`` drops them;
    either way ``say(line)`` hears each one by name (kept, dropped with the reason, or discarded)."""
    from ..calibrate import DEFAULT_BINS
    from ..calibrate import calibrate as _calibrate
    from ..choosers import check_method
    from ..session import disk_stamp
    from .inputs import as_convention

    check_method(method)                       # before loading anything
    if overrides not in ("keep", "discard"):
        raise ValueError(f"overrides must be 'keep' or 'discard', got {overrides!r}")
    before = disk_stamp(out) if out else None  # a session edited while we calibrate must not be overwritten silently
    previous = _previous_plan(out) if before is not None else None
    session = _calibrate(model, data_spec=data, per_class=per_class, limit=limit, method=method, gamma=gamma,
                         bins=DEFAULT_BINS if bins is None else bins, progress=progress, batch_size=batch_size,
                         data_path=data_path, convention=as_convention(convention), skip_bad=skip_bad, warn=warn)
    if previous is not None:
        _carry(previous, session.plan, out, overrides, say or (lambda _line: None))
    if out:
        session.save(out, force=force, expected=before)
    return session


def _previous_plan(out: str):
    """The plan of the session at ``out`` (its model file may have changed since), or None: not a
    session, or unreadable (nothing of it could be carried)."""
    from ..session import Session

    try:
        return Session.load(out, verify_model=False).plan
    except (OSError, ValueError):
        return None


def _carry(previous, plan, out: str, overrides: str, say) -> None:
    from pathlib import Path

    from ..plan.carry import carry_overrides, manual_overrides

    found = manual_overrides(previous)
    if not found:
        return
    name = Path(out).name
    if overrides == "discard":
        say(f"discarded {len(found)} manual override(s) of {name} (--discard-overrides):")
        for o in found:
            say(f"  {o.text}")
        return
    carried = carry_overrides(previous, plan, apply=True)
    say(f"{name} had {len(found)} manual override(s): {len(carried.kept)} kept, {len(carried.dropped)} dropped "
        "(--discard-overrides drops them all):")
    for line in carried.summary():
        say(f"  {line}")
