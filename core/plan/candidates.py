"""The range every chooser proposes for every tied group of a plan, computed on demand and cached.

Tensors of one tied group share one range, so a chooser sees the union of the
group's statistics. The group holding the model input gets ``minmax`` over the
input's declared range (see :func:`core.choosers.make_chooser`). Unknown method
names are refused by ``make_chooser``; its error reaches the caller as a
:class:`PlanError`.
"""

from __future__ import annotations

from ..calib.histogram import Histogram
from ..choosers import Choice, Chooser, make_chooser
from ..quant.tensors import QTensor
from .checks import PlanError


class Candidates:
    """Choices by (tied group, method) for the tensors of one plan."""

    def __init__(self, tensors: list[QTensor], stats: dict, gamma: float, input_range: tuple[float, float]):
        self.gamma = float(gamma)
        self.input_range = input_range
        self._stats = stats
        self._gid = {t.name: t.group or t.name for t in tensors}
        self.groups: dict[str, list[str]] = {}
        for t in tensors:
            self.groups.setdefault(self._gid[t.name], []).append(t.name)
        self._input_groups = {self._gid[t.name] for t in tensors if t.op == "INPUT"}
        self._group_stats: dict[str, object] = {}
        self._choices: dict[tuple[str, str], Choice] = {}

    def group(self, name: str) -> list[str]:
        """Names of the tensors sharing ``name``'s range (itself included), in plan order."""
        return self.groups[self._gid[name]]

    def group_stats(self, name: str):
        """The union of the statistics of ``name``'s tied group (what choosers see)."""
        gid = self._gid[name]
        if gid not in self._group_stats:
            self._group_stats[gid] = Histogram.union([self._stats[n] for n in self.groups[gid]])
        return self._group_stats[gid]

    def chooser(self, method: str, for_input: bool = False) -> Chooser:
        """``method``'s chooser; a :class:`PlanError` for an unknown method."""
        try:
            return make_chooser(method, gamma=self.gamma, input_range=self.input_range if for_input else False)
        except ValueError as exc:
            raise PlanError(str(exc)) from None

    def choose(self, name: str, method: str) -> Choice:
        """The range ``method`` chooses for ``name``'s tied group (cached)."""
        gid = self._gid[name]
        key = (gid, method)
        if key not in self._choices:
            chooser = self.chooser(method, for_input=gid in self._input_groups)
            self._choices[key] = chooser.choose(self.group_stats(name))
        return self._choices[key]

    def fill(self, method: str) -> None:
        """Compute ``method``'s choice for every group at once (greedy: one vectorised search).

        Choosers without ``choose_many`` are left to :meth:`choose`, one group at a time.
        """
        chooser = self.chooser(method)
        gids = [g for g in self.groups if (g, method) not in self._choices and g not in self._input_groups]
        if not gids or not hasattr(chooser, "choose_many"):
            return
        choices = chooser.choose_many([self.group_stats(self.groups[g][0]) for g in gids])
        for g, c in zip(gids, choices, strict=True):
            self._choices[(g, method)] = c
