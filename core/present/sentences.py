"""The story's computed sentences and the cause step's figures (the worst layer of session A's model)."""

from __future__ import annotations

import numpy as np


def pp(x: float) -> str:
    return f"{x * 100:.2f} %"


def flips_sentence(float_top1: float, int8_top1: float, n: int, changed: int, lost: int, gained: int) -> str:
    """``"int8 top-1 89.40 % (float 91.20 %): 25 of 500 predictions change; 14 right ones turn wrong, 5 ..."``."""
    delta = (int8_top1 - float_top1) * 100
    return (f"int8 top-1 {pp(int8_top1)} (float {pp(float_top1)}, {delta:+.2f} points): {changed:,} of {n:,} "
            f"predictions change; {lost:,} right answer{'s' if lost != 1 else ''} turn{'s' if lost == 1 else ''} wrong, "
            f"{gained:,} wrong one{'s' if gained != 1 else ''} turn{'s' if gained == 1 else ''} right.")


def fix_sentence(name: str, before: float, before_float: float, after: float, after_float: float) -> str:
    """``"With per-channel weights, int8 top-1 goes from 91.00 % to 93.20 %: 0.60 points below float
    (93.80 %) instead of 2.80."`` (each int8 figure against its own model's float)."""
    lost_before, lost_after = (before_float - before) * 100, (after_float - after) * 100
    gap = f"{abs(lost_after):.2f} points {'below' if lost_after >= 0 else 'above'} its float ({pp(after_float)})"
    return (f"With {name}, int8 top-1 goes from {pp(before)} to {pp(after)}: {gap}, "
            f"where the baseline was {lost_before:.2f} points below.")


def worst_layer(weights: dict):
    """The kernel per-tensor int8 weights hurt most: most channels erased, then fewest levels kept, then spread."""
    def key(w):
        levels = w.levels
        starved = int(np.sum((levels >= 1) & (levels <= 3)))
        return int(w.collapsed.sum()), starved, w.spread if np.isfinite(w.spread) else 1e30

    return max(weights.values(), key=key)


def cause_step(weights: dict, model_label: str) -> tuple[dict, dict]:
    """(the cause step's JSON, its arrays for weights.npz) for the worst layer of ``weights``
    (:func:`core.weights.model_weights`)."""
    w = worst_layer(weights)
    erased = int(w.collapsed.sum())
    levels = w.levels
    starved = int(np.sum((levels >= 1) & (levels <= 3)))
    dead = int(w.dead.sum())
    med = float(np.median(w.abs_max))
    widest = int(np.argmax(w.abs_max))
    sentence = (f"{w.layer}: one int8 step for all {w.channels} channels is {w.step:.3g} (max|w| "
                f"{w.tensor_range[1]:.3g} / 127, set by channel {widest}, {w.spread:.0f}x the median channel); "
                f"{erased} channel{'s' if erased != 1 else ''} round{'s' if erased == 1 else ''} to 0 entirely"
                f" and {starved} more keep only 1-3 of 127 levels")
    sentence += f"; {dead} channel{'s have' if dead != 1 else ' has'} a dead BatchNorm." if dead else "."
    step = {"kind": "cause", "title": "The cause: one scale for every channel", "model": model_label,
            "layer": w.layer, "layer_kind": w.kind, "channels": w.channels, "erased": erased, "starved": starved,
            "dead": dead, "step": w.step, "tensor_max": w.tensor_range[1], "median": med,
            "spread": w.spread if np.isfinite(w.spread) else None, "widest": widest, "sentence": sentence}
    arrays = {"abs_max": w.abs_max.astype(np.float64), "collapsed": w.collapsed, "dead": w.dead,
              "levels": levels.astype(np.int64)}
    return step, arrays
