"""Scoring a plan on the held-out split through the simulated int8 model.

A kernel edit re-runs only the network from the layer it touches (:class:`core.simulate.live.LiveSet`
kept warm). Which ops are float or int16 is part of the simulated graph (no FakeQuant on a float op, a
16-bit one on an int16 op's output: the 16x8 scheme, checked against LiteRT in
tests/export/test_int16_export.py), so a plan with another set of float or int16 ops gets a simulation
built for it; the last few are kept, so a search that
moved on from a float op (clips of later layers on top of it) scores warm again.
"""

from __future__ import annotations

from collections import OrderedDict

from ..plan.precision import float_layers, int16_layers

KEEP = 2          # warm simulations kept (each holds cached activations of the held-out split)


class Scorer:
    """``edit_kernels(weight_plan)`` -> the live figures of that plan. ``build(weight_plan)`` makes a
    :class:`~core.simulate.live.LiveSet` for a plan's float ops; ``first`` is the one already built
    for the session's plan."""

    def __init__(self, first, build, keep: int = KEEP):
        self._build, self._keep = build, keep
        self._sets: OrderedDict = OrderedDict()
        self._sets[(frozenset(first.sim.floats), frozenset(first.sim.int16))] = first
        self.built = 0            # simulations built for other sets of float ops

    def edit_kernels(self, weight_plan):
        key = (frozenset(float_layers(weight_plan)), frozenset(int16_layers(weight_plan)))
        live = self._sets.get(key)
        if live is None:
            live = self._build(weight_plan)
            self.built += 1
            self._sets[key] = live
            while len(self._sets) > self._keep:
                self._sets.popitem(last=False)
        self._sets.move_to_end(key)
        return live.edit_kernels(weight_plan)
