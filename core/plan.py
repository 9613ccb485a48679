"""The quantization plan: for every int8 tensor, its range, who chose it, and its statistics.

The plan is the single source of truth the CLI and the GUI edit. Every edit goes
through :class:`Change` records (``set_range``, ``reset``, ``accept_all``), which can
be applied and reverted any number of times; the GUI wraps them in
``QUndoCommand``s (``redo`` -> ``change.apply()``, ``undo`` -> ``change.revert()``),
the CLI just lets ``set_range`` apply them. Observers registered with
:meth:`Plan.subscribe` are called with the changed tensor names after every
apply/revert. No Qt here.

Rules (TFLite int8 spec, REFERENCE.md section 3):
- tensors of one tied group share one range: an edit of one moves all of them, and
  the choosers choose over the union of their statistics;
- locked tensors (softmax, logistic, tanh outputs) have fixed parameters and refuse
  edits with the reason;
- a range must contain 0.0: a range that does not is extended to 0 and nudged, and
  the change record says so in ``notes``; ``min >= max`` and NaN/Inf are refused.

Method names: ``greedy``, ``minmax``, ``percentile``, ``entropy``, ``mse`` (the
choosers), ``user`` (a range typed/dragged by the user) and ``fixed`` (a locked
tensor's spec-mandated parameters).

The model input defaults to ``minmax`` over the declared pixel range [0, 1]
(pixel / 255): scale exactly 1/255, zero point -128, i.e. ``q = pixel - 128``, which
is exact; every other tensor defaults to the plan's method (``greedy``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .choosers import CHOOSERS, Choice, Landscape, make_chooser
from .data.preprocess import INPUT_RANGE
from .quant.error import ErrorEstimate, estimate_error, estimate_params
from .plan_checks import (FIXED, MAX_WIDTH, PlanError, check_numbers as _check_numbers,  # noqa: F401 (re-exported)
                          check_width as _check_width, checked_params as _checked_params,
                          fixed_params as _fixed_params)
from .quant.grid import QuantParams, nudge
from .quant.tensors import LOCKED_OPS, QTensor

METHODS = tuple(CHOOSERS)                 # the automatic choosers
USER = "user"
ALL_METHODS = METHODS + (USER, FIXED)
INPUT_DEFAULT_METHOD = "minmax"           # the model input: exact [0, 1] -> scale 1/255, zp -128


@dataclass(frozen=True)
class EntryState:
    """What a change saves and restores for one tensor."""

    params: QuantParams
    method: str
    requested: tuple[float, float] | None = None   # the user's range before extension/nudging


@dataclass
class Entry:
    """One int8 tensor of the plan. Read-only for callers: edit through the plan."""

    tensor: QTensor
    params: QuantParams
    method: str
    stats: object                      # this tensor's own Histogram (core.calib.histogram)
    requested: tuple[float, float] | None = None
    _plan: "Plan | None" = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.tensor.name

    @property
    def min(self) -> float:
        return self.params.min

    @property
    def max(self) -> float:
        return self.params.max

    @property
    def scale(self) -> float:
        return self.params.scale

    @property
    def zero_point(self) -> int:
        return self.params.zero_point

    @property
    def locked(self) -> str | None:
        """Why this tensor cannot be edited, or None."""
        return self._plan.locked_reason(self.name) if self._plan else self.tensor.locked

    @property
    def candidates(self) -> dict[str, Choice]:
        """The range every chooser proposes for this tensor (its tied group), by method."""
        return self._plan.candidates(self.name)

    @property
    def landscape(self) -> Landscape | None:
        """The greedy cost landscape (cost against candidate ranges), for plotting."""
        return self._plan.landscape(self.name)

    def estimate(self) -> ErrorEstimate:
        """Error of the current range on this tensor's statistics."""
        return estimate_params(self.stats, self.params)

    def state(self) -> EntryState:
        return EntryState(self.params, self.method, self.requested)


@dataclass
class Change:
    """A reversible edit of the plan. ``apply``/``revert`` are idempotent."""

    plan: "Plan"
    description: str
    before: dict[str, EntryState]
    after: dict[str, EntryState]
    notes: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        """Tensors whose state differs between before and after, in plan order."""
        return [n for n in self.plan.names if n in self.after and self.after[n] != self.before.get(n)]

    @property
    def empty(self) -> bool:
        return not self.names

    def apply(self) -> None:
        self.plan._set_states(self.after)

    def revert(self) -> None:
        self.plan._set_states(self.before)


class Plan:
    """Ranges for all int8 tensors of one model, built from calibration statistics."""

    def __init__(self, tensors: list[QTensor], stats: dict, method: str = "greedy", gamma: float = 1.0,
                 input_method: str = INPUT_DEFAULT_METHOD, input_range: tuple[float, float] = INPUT_RANGE):
        """Choose every tensor's range with ``method`` (the input with ``input_method``).

        ``stats`` maps tensor name -> Histogram; every tensor needs one. ``input_range`` is
        the model input's declared range, its input convention's ``input_range`` (pixel/255:
        [0, 1]); the input's default range covers it exactly.
        """
        self.input_range = (float(input_range[0]), float(input_range[1]))
        if method not in CHOOSERS:
            raise PlanError(f"unknown method {method!r}; choose one of {', '.join(CHOOSERS)}")
        missing = [t.name for t in tensors if t.name not in stats]
        if missing:
            raise PlanError(f"no statistics for tensor(s) {', '.join(missing)}")
        self.tensors = list(tensors)
        self.method = method
        self.gamma = float(gamma)
        self.input_method = input_method
        self._by_name = {t.name: t for t in self.tensors}
        self._groups: dict[str, list[str]] = {}
        for t in self.tensors:
            self._groups.setdefault(t.group or t.name, []).append(t.name)
        self._group_stats: dict[str, object] = {}
        self._choices: dict[tuple[str, str], Choice] = {}
        self._subscribers: list[Callable[[list[str]], None]] = []
        self.entries: dict[str, Entry] = {}
        for t in self.tensors:
            self.entries[t.name] = Entry(t, _fixed_params(t.op) if t.op in LOCKED_OPS else None, FIXED,
                                         stats[t.name], None, self)
        self._fill(method)
        for name in self.names:
            e = self.entries[name]
            fixed = next((n for n in self.group(name) if self._by_name[n].op in LOCKED_OPS), None)
            if e.params is None and fixed is not None:   # tied to a locked tensor: its fixed parameters
                e.params, e.method = _fixed_params(self._by_name[fixed].op), FIXED
            elif e.params is None:
                choice = self.candidate(name, self.default_method(name))
                e.params, e.method = choice.params, choice.method

    # ---- lookup ----------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [t.name for t in self.tensors]

    def __len__(self) -> int:
        return len(self.tensors)

    def ranges(self) -> dict:
        """``{tensor name: QuantParams}``: the chosen ranges, as ``export_int8`` and the evaluators take them."""
        return {e.name: e.params for e in self.entries.values()}

    def __iter__(self):
        return iter(self.entries.values())

    def __getitem__(self, name: str) -> Entry:
        try:
            return self.entries[name]
        except KeyError:
            raise PlanError(f"no tensor named {name!r} in the plan; tensors: {_some(self.names)}") from None

    def group(self, name: str) -> list[str]:
        """Names of the tensors sharing ``name``'s range (itself included), in plan order."""
        t = self[name].tensor
        return list(self._groups[t.group or t.name])

    def group_stats(self, name: str):
        """The union of the statistics of ``name``'s tied group (what choosers see)."""
        from .calib.histogram import Histogram

        gid = self[name].tensor.group or name
        if gid not in self._group_stats:
            self._group_stats[gid] = Histogram.union([self.entries[n].stats for n in self._groups[gid]])
        return self._group_stats[gid]

    def locked_reason(self, name: str) -> str | None:
        """Why ``name`` (or a tensor tied to it) cannot be edited, or None."""
        for n in self.group(name):
            reason = self._by_name[n].locked
            if reason:
                return reason if n == name else f"tied to {n}: {reason}"
        return None

    def default_method(self, name: str) -> str:
        """The method ``reset`` uses: ``fixed`` for locked, the input method for the input, else the plan's."""
        if self.locked_reason(name):
            return FIXED
        if any(self._by_name[n].op in ("INPUT", "RESCALE") for n in self.group(name)):
            return self.input_method   # the input and its in-model rescaling: every pixel value exact
        return self.method

    # ---- candidates and estimates ---------------------------------------------
    def candidate(self, name: str, method: str) -> Choice:
        """The range ``method`` chooses for ``name``'s tied group (cached)."""
        if method not in CHOOSERS:
            raise PlanError(f"unknown method {method!r}; choose one of {', '.join(CHOOSERS)}")
        gid = self[name].tensor.group or name
        key = (gid, method)
        if key not in self._choices:
            is_input = any(self._by_name[n].op == "INPUT" for n in self._groups[gid])
            chooser = make_chooser(method, gamma=self.gamma, input_range=self.input_range if is_input else False)
            self._choices[key] = chooser.choose(self.group_stats(name))
        return self._choices[key]

    def _fill(self, method: str) -> None:
        """Compute ``method``'s choice for every group at once (greedy: one vectorised search)."""
        gids = [g for g in self._groups if (g, method) not in self._choices]
        if not gids:
            return
        chooser = make_chooser(method, gamma=self.gamma)
        if not hasattr(chooser, "choose_many"):
            return  # computed lazily per group by candidate()
        gids = [g for g in gids if not any(self._by_name[n].op == "INPUT" for n in self._groups[g])]
        choices = chooser.choose_many([self.group_stats(self._groups[g][0]) for g in gids])
        for g, c in zip(gids, choices):
            self._choices[(g, method)] = c

    def candidates(self, name: str) -> dict[str, Choice]:
        """Every chooser's range for ``name``, by method."""
        return {m: self.candidate(name, m) for m in METHODS}

    def landscape(self, name: str) -> Landscape | None:
        """The greedy cost landscape of ``name``'s group; None for locked tensors."""
        if self.locked_reason(name):
            return None
        return self.candidate(name, "greedy").landscape

    def estimate(self, name: str, rmin: float, rmax: float) -> ErrorEstimate:
        """Instant error (MSE, SQNR dB, saturated fraction) of the nudged ``[rmin, rmax]`` on ``name``'s values."""
        _check_numbers(name, rmin, rmax)
        if rmin >= rmax:
            raise PlanError(f"{name}: min {rmin:g} must be below max {rmax:g}")
        try:
            return estimate_error(self[name].stats, rmin, rmax)
        except ValueError as exc:
            raise PlanError(f"{name}: {exc}") from None

    # ---- edits -----------------------------------------------------------------
    def set_range(self, name: str, rmin: float, rmax: float, apply: bool = True) -> Change:
        """Set ``name``'s range (and its tied group's) to the nudged ``[rmin, rmax]``, method ``user``.

        Raises :class:`PlanError` for a locked tensor, NaN/Inf, ``rmin >= rmax`` or a
        range too narrow to quantize. A range not containing 0 is extended to 0 and
        the returned change says so in ``notes``. Applied unless ``apply=False``.
        """
        entry = self[name]
        reason = self.locked_reason(name)
        if reason:
            raise PlanError(f"{name} is locked and cannot be edited: {reason}")
        _check_numbers(name, rmin, rmax)
        rmin, rmax = float(rmin), float(rmax)
        if rmin >= rmax:
            raise PlanError(f"{name}: min {rmin:g} must be below max {rmax:g}")
        _check_width(name, rmin, rmax)
        notes = []
        if rmin > 0 or rmax < 0:
            notes.append(f"{name}: range [{rmin:g}, {rmax:g}] does not contain 0; extended to "
                         f"[{min(rmin, 0.0):g}, {max(rmax, 0.0):g}] (int8 ranges must represent 0 exactly)")
        try:
            params = nudge(rmin, rmax)
        except ValueError as exc:
            raise PlanError(f"{name}: {exc}") from None
        _check_width(name, params.min, params.max, nudged=True)
        if params.min != min(rmin, 0.0) or params.max != max(rmax, 0.0):
            notes.append(f"{name}: nudged to [{params.min:.6g}, {params.max:.6g}] (scale {params.scale:.6g}, "
                         f"zero point {params.zero_point}) so 0 is exact")
        group = self.group(name)
        if len(group) > 1:
            notes.append(f"{name}: tied group moved with it: {', '.join(n for n in group if n != name)}")
        after = {n: EntryState(params, USER, (rmin, rmax)) for n in group}
        return self.make_change(f"set range of {name} to [{params.min:.6g}, {params.max:.6g}]", after, notes, apply)

    def reset(self, name: str, method: str | None = None, apply: bool = True) -> Change:
        """Give ``name``'s group the range ``method`` chooses (default: :meth:`default_method`)."""
        reason = self.locked_reason(name)
        if reason:
            if method not in (None, FIXED):
                raise PlanError(f"{name} is locked and cannot be edited: {reason}")
            return self.make_change(f"reset {name}", {}, [], apply)
        method = method or self.default_method(name)
        if method == USER:
            raise PlanError("reset needs an automatic method, not 'user'; use set_range for a user range")
        choice = self.candidate(name, method)
        after = {n: EntryState(choice.params, method) for n in self.group(name)}
        return self.make_change(f"reset {name} to {method}", after, [], apply)

    def accept_all(self, method: str, include_input: bool = False, apply: bool = True) -> Change:
        """Give every editable tensor ``method``'s range (user overrides included, undoably).

        The model input keeps its default unless ``include_input``.
        """
        if method not in CHOOSERS:
            raise PlanError(f"unknown method {method!r}; choose one of {', '.join(CHOOSERS)}")
        self._fill(method)
        after: dict[str, EntryState] = {}
        for name in self.names:
            if self.locked_reason(name):
                continue
            m = self.default_method(name) if (not include_input and self.default_method(name) != self.method
                                              and self._by_name[name].op == "INPUT") else method
            after[name] = EntryState(self.candidate(name, m).params, m)
        return self.make_change(f"use {method} for all tensors", after, [], apply)

    def subscribe(self, callback: Callable[[list[str]], None]) -> Callable[[], None]:
        """Call ``callback(changed_names)`` after every applied/reverted change; returns an unsubscribe function."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    # ---- internals -------------------------------------------------------------
    def make_change(self, description: str, after: dict, notes=(), apply: bool = True) -> Change:
        """A change record moving the tensors in ``after`` to those states (applied unless ``apply=False``)."""
        before = {n: self.entries[n].state() for n in after}
        change = Change(self, description, before, after, tuple(notes))
        if apply:
            change.apply()
        return change

    def _set_states(self, states: dict[str, EntryState]) -> None:
        changed = []
        for n, s in states.items():
            e = self.entries[n]
            if e.state() != s:
                e.params, e.method, e.requested = s.params, s.method, s.requested
                changed.append(n)
        if changed:
            order = {n: i for i, n in enumerate(self.names)}
            changed.sort(key=order.__getitem__)
            errors = []
            for cb in list(self._subscribers):
                try:
                    cb(changed)
                except Exception as exc:  # one broken observer must not stop the others
                    errors.append(exc)
            if errors:
                raise errors[0]

    # ---- persistence -----------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-able plan (floats round-trip exactly through json)."""
        return {
            "method": self.method, "gamma": self.gamma, "input_method": self.input_method,
            "input_range": list(self.input_range),
            "tensors": [t.to_dict() for t in self.tensors],
            "entries": [{"name": e.name, "min": e.min, "max": e.max, "scale": e.scale, "zero_point": e.zero_point,
                         "method": e.method, "requested": list(e.requested) if e.requested else None}
                        for e in self],
        }

    @classmethod
    def from_dict(cls, d: dict, stats: dict) -> "Plan":
        """Rebuild a plan saved by :meth:`to_dict` with its statistics; every saved range is kept bit-exactly."""
        tensors = [QTensor.from_dict(t) for t in d["tensors"]]
        plan = cls(tensors, stats, d["method"], d["gamma"], d.get("input_method", INPUT_DEFAULT_METHOD),
                   tuple(d.get("input_range", INPUT_RANGE)))
        for row in d["entries"]:
            e = plan[row["name"]]
            if row["method"] not in ALL_METHODS:
                raise PlanError(f"tensor {row['name']}: unknown method {row['method']!r}")
            e.params = _checked_params(row, e.tensor.op, row["method"])
            e.method = row["method"]
            e.requested = tuple(row["requested"]) if row.get("requested") else None
        return plan


def _some(names: list[str], n: int = 8) -> str:
    return ", ".join(names[:n]) + (f", ... ({len(names)} in all)" if len(names) > n else "")
