"""A plan's manual overrides, and carrying them onto a new calibration of the same model.

Calibrating a session again chooses every range afresh; what the user set by hand would be lost.
:func:`manual_overrides` lists what a plan holds beyond its automatic choices: user ranges (one per
tied group), kernel entries away from the default (a clip, a chooser, a granularity) and ops set to
float. :func:`carry_overrides` gives a new plan those of them that still apply -- the tensor or
layer exists there with the same op and shape, and is not locked -- as one reversible
:class:`~core.plan.changes.Change` (the GUI's undo step, the CLI applies it), and names each one
that does not, with the reason. No TensorFlow here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .changes import Change
from .checks import PlanError
from .entry import USER
from .precision import DEFAULT_PRECISION, PrecisionState, precision_name
from .weight_entry import KERNEL


@dataclass(frozen=True)
class Override:
    """One manual override: ``name`` (a tensor, ``LAYER/kernel`` or ``LAYER/precision``), the layer it
    belongs to, and ``text``, what it is in words (``conv_1: [0, 5.25] (user range)``)."""

    name: str
    layer: str
    kind: str            # "range", "kernel" or "precision"
    text: str
    state: object


@dataclass
class Carried:
    """What :func:`carry_overrides` did: the change (None when nothing applies), the overrides kept,
    and those dropped with the reason."""

    change: Change | None
    kept: list[Override] = field(default_factory=list)
    dropped: list[tuple[Override, str]] = field(default_factory=list)

    def summary(self) -> list[str]:
        """One line per override: ``kept ...`` or ``dropped ...: reason``."""
        return ([f"kept {o.text}" for o in self.kept] +
                [f"dropped {o.text}: {why}" for o, why in self.dropped])


def _clip_words(state) -> str:
    if state.clip is None:
        return f"{state.method} clip"
    if len(state.clip) == 1:
        return f"clip ±{state.clip[0]:.6g}"
    return f"{len(state.clip)} channel clips"


def manual_overrides(plan) -> list[Override]:
    """Everything ``plan`` holds that a fresh calibration would not choose, in model order."""
    out: list[Override] = []
    seen: set[str] = set()
    for e in plan:
        if e.method != USER or e.name in seen:
            continue
        seen.update(plan.group(e.name))
        lo, hi = e.requested if e.requested is not None else (e.min, e.max)
        out.append(Override(e.name, e.name, "range", f"{e.name}: range [{lo:.6g}, {hi:.6g}] (typed or dragged)",
                            e.state()))
    for w in plan.weights.values():
        if w.state.is_default:
            continue
        gran = w.state.granularity or "export's --weights"
        out.append(Override(w.name, w.layer, "kernel", f"{w.name}: {gran}, {_clip_words(w.state)}", w.state))
    for layer, value in getattr(plan, "precisions", {}).items():
        if value != DEFAULT_PRECISION:
            out.append(Override(precision_name(layer), layer, "precision", f"{layer}: computed in {value}",
                                PrecisionState(value)))
    return out


def _why_not(old_plan, new_plan, o: Override) -> str | None:
    """Why ``o`` (of ``old_plan``) does not apply to ``new_plan``; None when it does."""
    new = next((t for t in new_plan.tensors if t.name == o.layer), None)
    if new is None:
        return f"the model has no layer {o.layer} any more"
    old = next(t for t in old_plan.tensors if t.name == o.layer)
    if (old.op, tuple(old.shape)) != (new.op, tuple(new.shape)):
        return (f"{o.layer} is now {new.op} {tuple(new.shape)} (was {old.op} {tuple(old.shape)})")
    if o.kind == "range" and new_plan.locked_reason(o.name):
        return f"it is locked now ({new_plan.locked_reason(o.name)})"
    if o.kind == "range" and set(new_plan.group(o.name)) != set(old_plan.group(o.name)):
        return "its tied group changed"
    return None


def carry_overrides(old_plan, new_plan, apply: bool = False) -> Carried:
    """``old_plan``'s manual overrides on ``new_plan``: one change holding those that apply (applied
    when ``apply``), and the others named with the reason."""
    result = Carried(None)
    after: dict = {}
    for o in manual_overrides(old_plan):
        why = _why_not(old_plan, new_plan, o)
        if why is None and o.kind == "range":
            try:      # the user's own numbers again, nudged on the new plan (same grid rule)
                after.update(new_plan.set_range(o.name, *(o.state.requested or (o.state.params.min,
                                                                                o.state.params.max)),
                                                apply=False).after)
            except PlanError as exc:
                why = str(exc)
        elif why is None:
            after[o.name if o.kind == "precision" else o.layer + KERNEL] = o.state
        if why is None:
            result.kept.append(o)
        else:
            result.dropped.append((o, why))
    if after:
        n = len(result.kept)
        result.change = new_plan.make_change(
            f"keep {n} manual override{'s' if n != 1 else ''} of the previous calibration", after, (), apply)
    return result


__all__ = ["Override", "Carried", "manual_overrides", "carry_overrides"]
