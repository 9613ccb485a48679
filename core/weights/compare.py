"""Where two models' folded weights differ most under per-tensor int8 weights, said in one line.

Compare mode opens on this layer: the original and the quantization-friendly MobileNet side by
side, at the kernel where per-tensor int8 weights erase the most channels in one model and not
in the other (ties: the larger ratio of the two spreads). The sentence is built from the two
models' numbers only.
"""

from __future__ import annotations

import math

from .ranges import LayerWeights


def matched_layers(a: dict[str, LayerWeights], b: dict[str, LayerWeights]) -> list[tuple[str, str]]:
    """Pairs ``(layer in a, layer in b)``: by name when every kernel of ``a`` is in ``b``, else by
    position among the kernels (two builds of one architecture that name layers differently)."""
    if a and all(name in b for name in a):
        return [(name, name) for name in a]
    return list(zip(a, b, strict=False))      # by position, as far as the shorter one goes


def _spread_ratio(x: LayerWeights, y: LayerWeights) -> float:
    sx, sy = x.spread, y.spread
    if not (math.isfinite(sx) and math.isfinite(sy)) or min(sx, sy) <= 0:
        return math.inf if sx != sy else 1.0
    return max(sx, sy) / min(sx, sy)


def _spread_text(s: float) -> str:
    return "inf" if not math.isfinite(s) else f"{s:.0f}x" if s >= 10 else f"{s:.1f}x"


def describe_side(lw: LayerWeights, label: str) -> str:
    """``"the original erases 21 of 32 channels (spread 50x, max|w| 3.1 -> step/2 0.0122)"``."""
    n = int(lw.collapsed.sum())
    dead = int(lw.dead.sum())
    text = (f"{label} {'erases' if n else 'erases none of'} {f'{n} of ' if n else ''}{lw.channels} channels "
            f"(spread {_spread_text(lw.spread)}, max|w| {lw.tensor_range[1]:.3g}, step/2 {lw.step / 2:.3g}")
    return text + (f", {dead} dead BN channel{'s' if dead != 1 else ''})" if dead else ")")


def largest_difference(a: dict[str, LayerWeights], b: dict[str, LayerWeights],
                       labels: tuple[str, str] = ("the original", "the QF model")) -> tuple[str, str, str]:
    """``(layer in a, its partner in b, one line of text)`` for the kernel pair whose per-tensor
    int8 weights erase the most channels in one model and not the other (ties: spread ratio).

    Raises ``ValueError`` naming the problem when the two have no kernels in common."""
    pairs = matched_layers(a, b)
    if not pairs:
        raise ValueError(f"no conv/depthwise/dense kernels to compare ({len(a)} vs {len(b)} kernel layers)")

    def key(pair):
        x, y = a[pair[0]], b[pair[1]]
        return abs(int(x.collapsed.sum()) - int(y.collapsed.sum())), _spread_ratio(x, y)

    la, lb = max(pairs, key=key)
    x, y = a[la], b[lb]
    where = la if la == lb else f"{la} / {lb}"
    lead = f"{where} ({x.kind}), per-tensor int8 weights: "
    return la, lb, lead + describe_side(x, labels[0]) + "; " + describe_side(y, labels[1]) + "."
