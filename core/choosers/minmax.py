"""``minmax``: the range of every value seen (what the TFLite converter does)."""

from __future__ import annotations

from ..data.preprocess import INPUT_RANGE
from .base import Chooser


class MinMaxChooser(Chooser):
    name = "minmax"

    def __init__(self, gamma: float = 1.0, input_range: bool = False):
        super().__init__(gamma)
        self.input_range = input_range

    def _range(self, hist):
        if self.input_range:  # the model input: the declared pixel range, exact (scale 1/255, zp -128)
            return min(hist.min, INPUT_RANGE[0]), max(hist.max, INPUT_RANGE[1])
        return hist.min, hist.max
