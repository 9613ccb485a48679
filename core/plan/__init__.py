"""The quantization plan: for every int8 tensor, its range, who chose it, and its statistics.

The plan is the single source of truth the CLI and the GUI edit. Every edit goes
through :class:`Change` records (``set_range``, ``reset``, ``accept_all``), which can
be applied and reverted any number of times; the GUI wraps them in
``QUndoCommand``s (``redo`` -> ``change.apply()``, ``undo`` -> ``change.revert()``),
the CLI just lets ``set_range`` apply them. Observers registered with
:meth:`Plan.subscribe` are called with the changed tensor names after every
apply/revert. No Qt here.

Rules (TFLite int8 spec, docs/int8-spec.md):
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

Modules: :mod:`.plan` (the plan and its edits), :mod:`.entry` (one tensor's entry,
method names), :mod:`.candidates` (every chooser's range per tied group, cached),
:mod:`.changes` (the reversible change record, a user range's checks),
:mod:`.checks` (valid numbers, a saved entry's consistency), :mod:`.json_io`.
"""

from .changes import Change
from .checks import FIXED, MAX_WIDTH, PlanError
from .entry import ALL_METHODS, INPUT_DEFAULT_METHOD, METHODS, USER, Entry, EntryState
from .plan import Plan

__all__ = ["Plan", "PlanError", "Entry", "EntryState", "Change", "METHODS", "USER", "FIXED", "ALL_METHODS",
           "INPUT_DEFAULT_METHOD", "MAX_WIDTH"]
