"""``minmax``: the range of every value seen (what the TFLite converter does)."""

from __future__ import annotations

from ..data.preprocess import INPUT_RANGE
from .base import Chooser


class MinMaxChooser(Chooser):
    name = "minmax"
    description = "The observed min and max (what the TFLite converter does)"

    def __init__(self, gamma: float = 1.0, input_range: bool | tuple = False):
        """``input_range``: the model input's declared range (lo, hi) from its input convention
        (``True``: pixel/255's [0, 1]); the chosen range covers it, so every pixel is exact."""
        super().__init__(gamma)
        if input_range is True:
            input_range = INPUT_RANGE
        self.input_range = tuple(float(v) for v in input_range) if input_range else None

    def _range(self, hist):
        if self.input_range:  # the model input: the convention's range (pixel/255: scale 1/255, zp -128)
            return min(hist.min, self.input_range[0]), max(hist.max, self.input_range[1])
        return hist.min, hist.max
