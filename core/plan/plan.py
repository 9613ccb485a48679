"""The :class:`Plan`: ranges for all int8 tensors of one model, and the edits that change them.

Every edit returns a :class:`~core.plan.changes.Change`; observers registered with
:meth:`Plan.subscribe` hear the changed tensor names after every apply/revert.
"""

from __future__ import annotations

from collections.abc import Callable

from ..choosers import Choice, Landscape
from ..data.preprocess import INPUT_RANGE
from ..quant.error import ErrorEstimate, estimate_error
from ..quant.tensors import LOCKED_OPS, QTensor
from .candidates import Candidates
from .changes import Change, check_range, user_range
from .checks import FIXED, PlanError, fixed_params
from .entry import INPUT_DEFAULT_METHOD, USER, Entry, EntryState
from .json_io import plan_from_dict, plan_to_dict
from .precision import PrecisionEdits, PrecisionState
from .weight_edits import WeightEdits
from .weight_entry import WeightState


class Plan(WeightEdits, PrecisionEdits):
    """Ranges for all int8 tensors of one model, built from calibration statistics, and its
    kernels' entries ``LAYER/kernel`` (:mod:`.weight_edits`) and each op's precision ``LAYER/precision``
    (:mod:`.precision`)."""

    def __init__(self, tensors: list[QTensor], stats: dict, method: str = "greedy", gamma: float = 1.0,
                 input_method: str = INPUT_DEFAULT_METHOD, input_range: tuple[float, float] = INPUT_RANGE):
        """Choose every tensor's range with ``method`` (the input with ``input_method``).

        ``stats`` maps tensor name -> Histogram; every tensor needs one. ``input_range`` is
        the model input's declared range, its input convention's ``input_range`` (pixel/255:
        [0, 1]); the input's default range covers it exactly.
        """
        self.input_range = (float(input_range[0]), float(input_range[1]))
        missing = [t.name for t in tensors if t.name not in stats]
        if missing:
            raise PlanError(f"no statistics for tensor(s) {', '.join(missing)}")
        self.tensors = list(tensors)
        self.method = method
        self.gamma = float(gamma)
        self.input_method = input_method
        self._by_name = {t.name: t for t in self.tensors}
        self._candidates = Candidates(self.tensors, stats, self.gamma, self.input_range)
        self._subscribers: list[Callable[[list[str]], None]] = []
        self.entries: dict[str, Entry] = {}
        for t in self.tensors:
            self.entries[t.name] = Entry(t, fixed_params(t.op) if t.op in LOCKED_OPS else None, FIXED,
                                         stats[t.name], None, self._locked_reason(t.name), self._candidates)
        self._candidates.fill(method)      # also refuses an unknown method
        for name in self.names:
            e = self.entries[name]
            fixed = next((n for n in self.group(name) if self._by_name[n].op in LOCKED_OPS), None)
            if e.params is None and fixed is not None:   # tied to a locked tensor: its fixed parameters
                e.params, e.method = fixed_params(self._by_name[fixed].op), FIXED
            elif e.params is None:
                choice = self.candidate(name, self.default_method(name))
                e.params, e.method = choice.params, choice.method
        self._init_weights()
        self._init_precisions()

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
        return list(self._candidates.group(self[name].name))

    def group_stats(self, name: str):
        """The union of the statistics of ``name``'s tied group (what choosers see)."""
        return self._candidates.group_stats(self[name].name)

    def locked_reason(self, name: str) -> str | None:
        """Why ``name`` (or a tensor tied to it) cannot be edited, or None."""
        return self[name].locked

    def _locked_reason(self, name: str) -> str | None:
        for n in self._candidates.group(name):
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
        return self._candidates.choose(self[name].name, method)

    def candidates(self, name: str) -> dict[str, Choice]:
        """Every chooser's range for ``name``, by method."""
        return self[name].candidates

    def landscape(self, name: str) -> Landscape | None:
        """The greedy cost landscape of ``name``'s group; None for locked tensors."""
        return self[name].landscape

    def estimate(self, name: str, rmin: float, rmax: float) -> ErrorEstimate:
        """Instant error (MSE, SQNR dB, saturated fraction) of the nudged ``[rmin, rmax]`` on ``name``'s values."""
        rmin, rmax = check_range(name, rmin, rmax)
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
        reason = self.locked_reason(name)
        if reason:
            raise PlanError(f"{name} is locked and cannot be edited: {reason}")
        params, notes = user_range(name, rmin, rmax)
        group = self.group(name)
        if len(group) > 1:
            notes.append(f"{name}: tied group moved with it: {', '.join(n for n in group if n != name)}")
        after = {n: EntryState(params, USER, (float(rmin), float(rmax))) for n in group}
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
        self._candidates.fill(method)      # also refuses an unknown method
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

    def make_change(self, description: str, after: dict, notes=(), apply: bool = True) -> Change:
        """A change record moving the tensors in ``after`` to those states (applied unless ``apply=False``)."""
        before = {n: self.weight(n).state if isinstance(after[n], WeightState)
                  else self._precision_state(n) if isinstance(after[n], PrecisionState)
                  else self.entries[n].state() for n in after}
        change = Change(self, description, before, after, tuple(notes))
        if apply:
            change.apply()
        return change

    def _set_states(self, states: dict[str, EntryState]) -> None:
        """Give the named entries these states, then tell the observers which ones changed."""
        changed = []
        for n, s in states.items():
            if isinstance(s, WeightState):
                if self._set_weight_state(n, s):
                    changed.append(n)
                continue
            if isinstance(s, PrecisionState):
                if self._set_precision_state(n, s):
                    changed.append(n)
                continue
            e = self.entries[n]
            if e.state() != s:
                e.params, e.method, e.requested = s.params, s.method, s.requested
                changed.append(n)
        if changed:
            order = {n: i for i, n in enumerate(self.names + self.weight_names + self.precision_names)}
            changed.sort(key=order.__getitem__)
            errors = []
            for cb in list(self._subscribers):
                try:
                    cb(changed)
                except Exception as exc:  # one broken observer must not stop the others
                    errors.append(exc)
            if errors:
                raise errors[0]

    def rechoose(self, method: str) -> Plan:
        """A new plan of the same tensors and statistics (gamma, input method and input range kept),
        every range chosen afresh with ``method``; this plan is unchanged (user ranges are not carried)."""
        stats = {e.name: e.stats for e in self}
        return type(self)(self.tensors, stats, method, self.gamma, self.input_method, self.input_range)

    # ---- persistence -----------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-able plan (floats round-trip exactly through json)."""
        return plan_to_dict(self)

    @classmethod
    def from_dict(cls, d: dict, stats: dict) -> Plan:
        """Rebuild a plan saved by :meth:`to_dict` with its statistics; every saved range is kept bit-exactly."""
        return plan_from_dict(cls, d, stats)


def _some(names: list[str], n: int = 8) -> str:
    return ", ".join(names[:n]) + (f", ... ({len(names)} in all)" if len(names) > n else "")
