"""The plan's kernel entries (``LAYER/kernel``) and their edits, mixed into :class:`core.plan.Plan`.

Every edit is a :class:`~core.plan.changes.Change` like an activation edit (undo/redo, the GUI's
``QUndoCommand``s), keyed by the entry name ``LAYER/kernel`` with :class:`WeightState` values.
Clips typed by a user are symmetric: an asymmetric range ``[lo, hi]`` becomes ``[-m, m]`` with
``m = max(|lo|, |hi|)`` and the change's notes say so. Choosers other than ``minmax`` and a clip
of one channel need the folded kernels (:meth:`attach_kernels`, from ``core.weights.kernel_stats``).
"""

from __future__ import annotations

import math

import numpy as np

from ..quant.tensors import WEIGHTED_OPS
from .checks import PlanError
from .weight_choosers import WEIGHT_METHODS, check_weight_method, choose_clip
from .weight_entry import (
    KERNEL,
    KINDS,
    MIN_WEIGHT_RANGE,
    KernelStats,
    WeightEntry,
    WeightState,
    check_granularity,
    effective_granularity,
    kernel_name,
)

USER = "user"
MAX_WEIGHT_CLIP = 1e30


class WeightEdits:
    """Kernel entries of a plan; the host class provides ``tensors`` and ``make_change``."""

    def _init_weights(self) -> None:
        self.weights: dict[str, WeightEntry] = {t.name: WeightEntry(t.name, KINDS[t.op], WeightState())
                                                 for t in self.tensors if t.op in WEIGHTED_OPS}
        self.kernel_stats: dict[str, KernelStats] = {}

    # ---- lookup ----------------------------------------------------------------
    @property
    def weight_names(self) -> list[str]:
        """``LAYER/kernel`` of every kernel, in model order."""
        return [e.name for e in self.weights.values()]

    @staticmethod
    def is_weight_name(name: str) -> bool:
        return isinstance(name, str) and name.endswith(KERNEL)

    def weight(self, name: str) -> WeightEntry:
        """The entry ``LAYER/kernel``; a :class:`PlanError` naming the layer and the kernels there are."""
        layer = name[: -len(KERNEL)] if self.is_weight_name(name) else name
        if layer in self.weights:
            return self.weights[layer]
        some = ", ".join(self.weight_names[:6]) + (" ..." if len(self.weights) > 6 else "")
        raise PlanError(f"no kernel named {name!r} in the plan: layer {layer!r} is not a Conv2D, DepthwiseConv2D "
                        f"or Dense layer of this model; kernels: {some or 'none'}")

    def attach_kernels(self, stats: dict[str, KernelStats]) -> None:
        """Give the plan the folded kernels (``core.weights.kernel_stats(model)``): choosers and estimates need them."""
        self.kernel_stats.update({k: v for k, v in stats.items() if k in self.weights})

    def _stats(self, entry: WeightEntry, why: str) -> KernelStats:
        if entry.layer not in self.kernel_stats:
            raise PlanError(f"{entry.name}: {why} needs the model's folded kernels, and the session's model "
                            "is not loaded (is the model file there?)")
        return self.kernel_stats[entry.layer]

    def weight_ranges(self, name: str, default_granularity: str = "per-channel") -> np.ndarray:
        """The clip(s) the export will use for ``name`` (needs the kernels when the entry has no clip)."""
        e = self.weight(name)
        if e.clip is not None:
            return np.maximum(np.asarray(e.clip, np.float32), np.float32(MIN_WEIGHT_RANGE))
        return e.ranges(self._stats(e, "max|w|").kernel, default_granularity)

    # ---- edits -----------------------------------------------------------------
    def set_weight_range(self, name: str, rmin, rmax=None, channel: int | None = None, apply: bool = True):
        """Clip ``name`` symmetrically at ``rmax`` (``set_weight_range(n, -m, m)`` or ``(n, m)``).

        Without ``channel``: the whole kernel gets one per-tensor clip (what dragging the weight
        view's clip line does). With ``channel``: that channel of a per-channel entry. An
        asymmetric range is made symmetric at its larger magnitude, with a note naming it.
        """
        e = self.weight(name)
        self.check_weight_editable(e.layer)
        m, notes = _symmetric(e.name, rmin, rmax)
        if channel is None:
            after = WeightState("per-tensor", USER, (m,))
            what = f"clip {e.name} at ±{m:.6g} (per tensor)"
        else:
            if e.granularity != "per-channel" or e.kind == "Dense":
                what = e.granularity or "export's --weights (no granularity of its own)"
                raise PlanError(f"{e.name}: a clip of one channel needs a per-channel entry, but its weights "
                                f"follow {what}; set --granularity per-channel first")
            clips = list(e.clip) if e.clip is not None else \
                [float(v) for v in self._stats(e, "a clip of one channel").abs_max("per-channel")]
            if isinstance(channel, bool) or not isinstance(channel, (int, np.integer)) or \
                    not 0 <= channel < len(clips):
                raise PlanError(f"{e.name}: channel {channel!r} does not exist (0 .. {len(clips) - 1})")
            clips[int(channel)] = m
            after = WeightState("per-channel", USER, tuple(clips))
            what = f"clip channel {channel} of {e.name} at ±{m:.6g}"
        return self.make_change(what, {e.name: after}, notes, apply)

    def set_weight_granularity(self, name: str, granularity: str, apply: bool = True):
        """Quantize ``name`` per tensor or per channel; its clip is re-chosen by its method (a
        user clip becomes max|w| at the new granularity, said in the notes)."""
        e = self.weight(name)
        self.check_weight_editable(e.layer)
        check_granularity(e.name, e.kind, granularity)
        notes = []
        method = e.method
        if method == USER:
            notes.append(f"{e.name}: the user clip {_clip_text(e.clip)} is dropped; the weights are "
                         f"{granularity} at max|w| (minmax)")
            method = "minmax"
        clip = None if method == "minmax" else choose_clip(method, self._stats(e, method), granularity)
        after = WeightState(granularity, method, clip)
        return self.make_change(f"{e.name}: {granularity} weights", {e.name: after}, notes, apply)

    def reset_weight(self, name: str, method: str | None = None, granularity: str | None = None,
                     apply: bool = True):
        """``name`` back to its default (export's granularity, max|w|), or ``method``'s clip at
        ``granularity`` (default: the entry's, else per-channel)."""
        e = self.weight(name)
        return self.make_change(f"reset {e.name}" + (f" to {method}" if method else ""),
                                {e.name: self._chosen_state(e, method, granularity)}, (), apply)

    def choose_weights(self, method: str, granularity: str | None = None, layers=None, apply: bool = True):
        """Every kernel (or those of ``layers``) gets ``method``'s clip at ``granularity``: one change."""
        check_weight_method(method)
        entries = [self.weight(n) for n in layers] if layers else list(self.weights.values())
        after = {e.name: self._chosen_state(e, method, granularity) for e in entries}
        return self.make_change(f"{method} weights" + (f" ({granularity})" if granularity else ""), after, (), apply)

    def _chosen_state(self, e: WeightEntry, method: str | None, granularity: str | None) -> WeightState:
        if granularity is not None:
            check_granularity(e.name, e.kind, granularity)
        if method is None or (method == "minmax" and granularity is None):
            return WeightState(granularity)
        check_weight_method(method)
        gran = granularity or e.granularity or "per-channel"
        gran = effective_granularity(e.kind, gran)
        clip = None if method == "minmax" else choose_clip(method, self._stats(e, method), gran)
        return WeightState(gran, method, clip)

    def _set_weight_state(self, name: str, state: WeightState) -> bool:
        e = self.weight(name)
        if e.state == state:
            return False
        e.state = state
        return True

    def weight_error(self, name: str, default_granularity: str = "per-channel") -> dict:
        """SQNR, channels erased and clipped fraction of ``name`` as it would be exported (needs the kernels)."""
        from .weight_entry import weight_error

        e = self.weight(name)
        stats = self._stats(e, "an error estimate")
        return weight_error(stats, e.ranges(stats.kernel, default_granularity))


def _symmetric(name: str, rmin, rmax) -> tuple[float, list[str]]:
    values = [rmin] if rmax is None else [rmin, rmax]
    for v in values:
        try:
            ok = math.isfinite(float(v))
        except (TypeError, ValueError):
            raise PlanError(f"{name}: {v!r} is not a number") from None
        if not ok:
            raise PlanError(f"{name}: clip {v} is not a finite number")
    notes = []
    if rmax is None:
        m = abs(float(rmin))
    else:
        lo, hi = float(rmin), float(rmax)
        if lo >= hi:
            raise PlanError(f"{name}: min {lo:g} must be below max {hi:g}")
        m = max(abs(lo), abs(hi))
        if lo != -hi:
            notes.append(f"{name}: int8 weights are symmetric (zero point 0): range [{lo:g}, {hi:g}] made "
                         f"[{-m:g}, {m:g}]")
    if not MIN_WEIGHT_RANGE < m <= MAX_WEIGHT_CLIP:
        raise PlanError(f"{name}: clip {m:g} must be above {MIN_WEIGHT_RANGE:g} and at most {MAX_WEIGHT_CLIP:g}")
    m32 = float(np.float32(m))
    return m32, notes


def _clip_text(clip) -> str:
    if not clip:
        return "max|w|"
    return f"±{clip[0]:.6g}" if len(clip) == 1 else f"({len(clip)} channel clips)"


__all__ = ["WeightEdits", "WEIGHT_METHODS", "kernel_name"]
