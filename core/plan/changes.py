"""Edits of the plan: the reversible :class:`Change` record, and the checks and nudging of a user's range.

The GUI wraps a change in a ``QUndoCommand`` (``redo`` -> ``apply()``, ``undo`` ->
``revert()``); the CLI lets the plan apply it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..quant.grid import QuantParams, nudge
from .checks import PlanError, check_numbers, check_width
from .entry import EntryState


class Editable(Protocol):
    """What a change needs of the plan it edits (:class:`core.plan.plan.Plan`, which imports this module)."""

    @property
    def names(self) -> list[str]: ...

    def _set_states(self, states: dict[str, EntryState]) -> None: ...


@dataclass
class Change:
    """A reversible edit of the plan. ``apply``/``revert`` are idempotent."""

    plan: Editable
    description: str
    before: dict[str, EntryState]
    after: dict[str, EntryState]
    notes: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        """Tensors (and kernels ``LAYER/kernel``, precisions ``LAYER/precision``) whose state differs
        between before and after, in plan order."""
        return [n for n in self.plan.names + self.plan.weight_names + self.plan.precision_names
                if n in self.after and self.after[n] != self.before.get(n)]

    @property
    def empty(self) -> bool:
        return not self.names

    def apply(self) -> None:
        self.plan._set_states(self.after)

    def revert(self) -> None:
        self.plan._set_states(self.before)


def check_range(name: str, rmin, rmax) -> tuple[float, float]:
    """``(rmin, rmax)`` as floats; a :class:`PlanError` for NaN/Inf, a non-number or ``rmin >= rmax``."""
    check_numbers(name, rmin, rmax)
    rmin, rmax = float(rmin), float(rmax)
    if rmin >= rmax:
        raise PlanError(f"{name}: min {rmin:g} must be below max {rmax:g}")
    return rmin, rmax


def user_range(name: str, rmin, rmax) -> tuple[QuantParams, list[str]]:
    """The int8 parameters of the range a user gave for ``name``, and notes on how it was adjusted.

    A range not containing 0 is extended to 0, then nudged so 0 is exact; ranges too
    wide for float32 or too narrow for the converter are refused.
    """
    rmin, rmax = check_range(name, rmin, rmax)
    check_width(name, rmin, rmax)
    notes = []
    if rmin > 0 or rmax < 0:
        notes.append(f"{name}: range [{rmin:g}, {rmax:g}] does not contain 0; extended to "
                     f"[{min(rmin, 0.0):g}, {max(rmax, 0.0):g}] (int8 ranges must represent 0 exactly)")
    try:
        params = nudge(rmin, rmax)
    except ValueError as exc:
        raise PlanError(f"{name}: {exc}") from None
    check_width(name, params.min, params.max, nudged=True)
    if params.min != min(rmin, 0.0) or params.max != max(rmax, 0.0):
        notes.append(f"{name}: nudged to [{params.min:.6g}, {params.max:.6g}] (scale {params.scale:.6g}, "
                     f"zero point {params.zero_point}) so 0 is exact")
    return params, notes
