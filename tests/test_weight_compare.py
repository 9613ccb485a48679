"""core.weights.largest_difference: which kernel compare mode opens on, and the sentence it shows.

The per-channel ranges are written out here, so every expected count is arithmetic on them:
with max|w| = M, per-tensor int8 weights erase a channel whose max|w| < M / 127 / 2.
"""

import numpy as np
import pytest

from core.weights import LayerWeights, largest_difference, matched_layers


def lw(name, abs_max, var=None):
    a = np.asarray(abs_max, np.float64)
    return LayerWeights(name, "DepthwiseConv2D", -a, a, None, None if var is None else np.asarray(var, np.float64))


def test_the_layer_with_the_most_channels_erased_in_one_model_and_not_the_other():
    wide = [100.0] + [0.1] * 7          # 0.1 < 100 / 254: 7 of 8 erased
    mild = [1.0] + [0.1] * 7            # 0.1 > 1 / 254: none erased
    a = {"c1": lw("c1", mild), "dw1": lw("dw1", wide, [0] + [1] * 7), "dw2": lw("dw2", [10.0, 0.01, 1, 1])}
    b = {"c1": lw("c1", mild), "dw1": lw("dw1", mild), "dw2": lw("dw2", [1.0, 1, 1, 1])}
    layer, partner, text = largest_difference(a, b)
    assert (layer, partner) == ("dw1", "dw1")          # 7 vs 0 beats dw2's 1 vs 0
    assert text.startswith("dw1 (DepthwiseConv2D), per-tensor int8 weights: ")
    assert "the original erases 7 of 8 channels (spread 1000x, max|w| 100, step/2 0.394, 1 dead BN channel)" in text
    assert "the QF model erases none of 8 channels (spread 10x" in text


def test_ties_go_to_the_larger_spread_ratio_and_unmatched_names_pair_by_position():
    a = {"x1": lw("x1", [1.0, 0.5]), "x2": lw("x2", [1.0, 0.1])}
    b = {"y1": lw("y1", [1.0, 1.0]), "y2": lw("y2", [1.0, 1.0])}
    assert matched_layers(a, b) == [("x1", "y1"), ("x2", "y2")]
    layer, partner, text = largest_difference(a, b)    # nothing erased anywhere: spread 10x vs 1x wins
    assert (layer, partner) == ("x2", "y2") and text.startswith("x2 / y2 ")


def test_no_kernels_is_a_clear_error():
    with pytest.raises(ValueError, match="no conv/depthwise/dense kernels to compare \\(0 vs 3"):
        largest_difference({}, {"a": lw("a", [1.0]), "b": lw("b", [1.0]), "c": lw("c", [1.0])})
