"""Calibrate: statistics of every int8 tensor over calibration images, every range chosen."""

from __future__ import annotations

from ..progress import NULL_PROGRESS


def calibrate(model: str, data: str = "embedded", per_class="auto", limit: int | None = None,
              method: str = "greedy", gamma: float = 1.0, bins: int | None = None, batch_size: int = 32,
              data_path=None, convention=None, skip_bad: bool = False, out: str | None = None,
              force: bool = False, progress=NULL_PROGRESS, warn=None):
    """Calibrate the Keras model file ``model`` (see :func:`core.calibrate.calibrate` for the options;
    ``per_class="auto"``: 1,000 images in all, balanced; None: every image) and return the
    :class:`~core.session.Session`. With ``out`` it is saved there; a file at ``out`` changed
    while calibrating is not overwritten unless ``force``."""
    from ..calibrate import DEFAULT_BINS
    from ..calibrate import calibrate as _calibrate
    from ..choosers import check_method
    from ..session import disk_stamp
    from .inputs import as_convention

    check_method(method)                       # before loading anything
    before = disk_stamp(out) if out else None  # a session edited while we calibrate must not be overwritten silently
    session = _calibrate(model, data_spec=data, per_class=per_class, limit=limit, method=method, gamma=gamma,
                         bins=DEFAULT_BINS if bins is None else bins, progress=progress, batch_size=batch_size,
                         data_path=data_path, convention=as_convention(convention), skip_bad=skip_bad, warn=warn)
    if out:
        session.save(out, force=force, expected=before)
    return session
