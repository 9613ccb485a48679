"""The plan's activation ranges as variables of the fine-tuned model.

One ``(min, max)`` variable per tied group (tensors TFLite stores with one scale share it), starting
at the plan's range exactly as the export nudges it (:func:`core.export.export.expected_params`).
``fixed``: no variable is trainable, so the ranges stay bit-identical. ``learned``: every group
that is not locked (softmax, the spec-fixed ops) and is not the model input (its range is the
input convention's, exact for every pixel value) is trained through the gradient TensorFlow's
``fake_quant_with_min_max_vars`` defines for its bounds, a straight-through estimator in the style
of PACT (Choi et al. 2018): values inside the range pass their gradient to the input, values clipped
below ``min`` / above ``max`` send theirs to that bound. After every optimizer step
:class:`ValidRange` projects each pair back to a range the plan accepts: it contains 0 and is at
least :data:`RANGE_FLOOR` wide, far above the converter's own floor
(:data:`core.plan.checks.MIN_WIDTH`, below which it would widen the range itself).
"""

from __future__ import annotations

import keras
import numpy as np

from ..plan.checks import MIN_WIDTH

RANGE_FLOOR = 100 * MIN_WIDTH   # 1e-4: a hundred times the converter's floor
FIXED_OPS = ("INPUT", "RESCALE")    # ranges exact by construction (the input convention): never learned


def valid_range(lo: float, hi: float, floor: float = RANGE_FLOOR) -> tuple[float, float]:
    """``(lo, hi)`` as :class:`ValidRange` projects it, in float32 (for checks and tests)."""
    lo, hi = np.float32(min(lo, 0.0)), np.float32(max(hi, 0.0))
    short = np.float32(max(np.float32(floor) - (hi - lo), 0.0))
    if hi >= -lo:
        hi = np.float32(hi + short)
    else:
        lo = np.float32(lo - short)
    return float(lo), float(hi)


@keras.saving.register_keras_serializable(package="qftune")
class ValidRange(keras.constraints.Constraint):
    """A ``[min, max]`` pair (shape (2,)) projected onto the ranges the int8 plan accepts: min <= 0 <= max
    and max - min >= ``floor``; a range too narrow is widened on its larger side."""

    def __init__(self, floor: float = RANGE_FLOOR):
        self.floor = float(floor)

    def __call__(self, w):
        from keras import ops

        lo = ops.minimum(w[0], 0.0)
        hi = ops.maximum(w[1], 0.0)
        short = ops.maximum(self.floor - (hi - lo), 0.0)
        up = ops.cast(hi >= -lo, w.dtype)
        return ops.stack([lo - short * (1.0 - up), hi + short * up])

    def get_config(self):
        return {"floor": self.floor}


def range_groups(tensors) -> dict[str, list]:
    """Tied-group id -> its tensors, in plan order (a tensor without a group is its own)."""
    groups: dict[str, list] = {}
    for t in tensors:
        groups.setdefault(t.group or t.name, []).append(t)
    return groups


def learnable(group: list, plan) -> bool:
    """Whether a tied group's range may be trained: nothing in it locked or fixed by the input convention."""
    return not any(t.locked_params is not None or t.op in FIXED_OPS or plan.locked_reason(t.name) for t in group)


def initial_ranges(tensors, plan) -> dict[str, tuple[float, float]]:
    """Group id -> the (min, max) the export would store for the plan's range (nudged, locked ones fixed)."""
    from ..export.export import expected_params

    params = expected_params(tensors, plan.ranges())
    return {gid: (params[group[0].name].min, params[group[0].name].max)
            for gid, group in range_groups(tensors).items()}
