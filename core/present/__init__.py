"""The presenter's story (issue 22 §3): figures computed before a talk, read back without TensorFlow.

:func:`prepare` (``qftune present --prepare``) computes and writes the cache; :mod:`core.present.cache`
reads it (what the presenter window imports: no TensorFlow there).
"""

from .cache import STEP_KINDS, StoryError, bundled_pair, check_fresh, default_dir, load_story, open_story, weights_data

__all__ = ["STEP_KINDS", "StoryError", "bundled_pair", "check_fresh", "default_dir", "load_story", "open_story",
           "prepare", "weights_data"]


def prepare(*args, **kwargs):
    """See :func:`core.present.build.prepare` (imported on call: it loads TensorFlow)."""
    from .build import prepare as _prepare

    return _prepare(*args, **kwargs)
