"""One int8 tensor of the plan (:class:`Entry`), what an edit saves of it (:class:`EntryState`),
and the names of the methods that choose a range."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..choosers import CHOOSERS, Choice, Landscape
from ..quant.error import ErrorEstimate, estimate_params
from ..quant.grid import QuantParams
from ..quant.tensors import QTensor
from .checks import FIXED

if TYPE_CHECKING:
    from .candidates import Candidates

METHODS = tuple(CHOOSERS)                 # the automatic choosers
USER = "user"                             # a range typed or dragged by the user
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
    """One int8 tensor of the plan. Read-only for callers: edit through the plan.

    ``locked`` is why the tensor (or one tied to it) cannot be edited, or None; it
    depends only on the model, so it is fixed when the plan is built.
    """

    tensor: QTensor
    params: QuantParams
    method: str
    stats: object                      # this tensor's own Histogram (core.calib.histogram)
    requested: tuple[float, float] | None = None
    locked: str | None = None
    _candidates: Candidates | None = field(default=None, repr=False, compare=False)

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
    def candidates(self) -> dict[str, Choice]:
        """The range every chooser proposes for this tensor (its tied group), by method."""
        return {m: self._candidates.choose(self.name, m) for m in METHODS}

    @property
    def landscape(self) -> Landscape | None:
        """The greedy cost landscape (cost against candidate ranges), for plotting; None when locked."""
        return None if self.locked else self._candidates.choose(self.name, "greedy").landscape

    def estimate(self) -> ErrorEstimate:
        """Error of the current range on this tensor's statistics."""
        return estimate_params(self.stats, self.params)

    def state(self) -> EntryState:
        return EntryState(self.params, self.method, self.requested)
