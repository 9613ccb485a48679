"""What the layer table shows: its columns (key, header, tooltip), the short op labels, the SQNR tints
and their legend, and the item-data roles the view and its proxy read. No model or view here."""

from __future__ import annotations

import html
import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from .swatch import swatch

# (key, header, tooltip); the columns a user scans (name, SQNR, range, method) come first so they
# stay visible in a narrow table (1024 px windows); the rest is one horizontal scroll away. Rows
# are coloured by the est. SQNR shown next to the name; the meas. SQNR cells by their own value.
_COLUMN_SPECS = [
    ("index", "#", "Position of the tensor in graph order"),
    ("name", "tensor", "The int8 tensor: the first Keras layer of its fused op. "
                       "(tied) = shares one range with others, (locked) = TFLite fixes its range"),
    ("sqnr", "est. SQNR", "Estimated signal-to-quantization-noise ratio in dB of this range on the calibration "
                          "histogram (higher is better)"),
    ("measured", "meas. SQNR", "SQNR in dB measured between the float model and the exported int8 .tflite "
                               "(after Compare)"),
    ("min", "min", "Range min: the most negative representable value (nudged so 0 is exact)"),
    ("max", "max", "Range max: the largest representable value"),
    ("method", "method", "Who chose the range: greedy, minmax, percentile, entropy, mse, user (an override) "
                         "or fixed (locked by TFLite); a kernel's: minmax (max|w|), a weight chooser or user (a clip)"),
    ("precision", "precision", "How the op computes: int8 (default), float (set-precision LAYER float, or an autotune "
                               "float move) or float-input (reads a float op's output, so it computes in float too); "
                               "a kernel row: its int8 granularity (per-tensor, per-channel, or the export's --weights "
                               "default), or float when its op is float"),
    ("op", "op", "TFLite op that produces the tensor (BatchNorm and ReLU are fused into it); "
                 "the tooltip of a cell gives the full op name"),
    ("saturated", "sat. %", "Share of calibration values outside the range (clipped), in %"),
    ("scale", "scale", "Step Δ between int8 levels: (max − min) / 255, as stored in the .tflite"),
    ("zero_point", "zp", "Zero point: the int8 value that represents 0.0"),
    ("shape", "shape", "Output shape without the batch dimension"),
]
KEYS = [k for k, _h, _t in _COLUMN_SPECS]
COLUMNS = [h for _k, h, _t in _COLUMN_SPECS]
TIPS = [t for _k, _h, t in _COLUMN_SPECS]
COL = {k: i for i, k in enumerate(KEYS)}
# short op labels for the table (the full TFLite name is in the tooltip and the histogram title)
OP_LABELS = {"DEPTHWISE_CONV_2D": "dw conv", "CONV_2D": "conv", "FULLY_CONNECTED": "dense", "ADD": "add",
             "MEAN": "mean", "SOFTMAX": "softmax", "CONCATENATION": "concat", "MAX_POOL_2D": "max pool",
             "AVERAGE_POOL_2D": "avg pool", "RESHAPE": "reshape", "PAD": "pad", "INPUT": "input",
             "MUL": "mul", "SUB": "sub", "LOGISTIC": "logistic", "MAXIMUM": "max", "MINIMUM": "min"}
STALE_TIP = ("Stale: measured on an export of an earlier plan; the ranges changed since. Export and Compare "
             "again for the current plan (undoing back to the measured plan makes it current again).")
SORT_ROLE = Qt.UserRole + 1
NAME_ROLE = Qt.UserRole + 2


def sqnr_colour(db: float) -> QColor:
    if db is None or math.isnan(db):
        return QColor(0, 0, 0, 0)
    if db < 15:
        return QColor(255, 190, 190)
    if db < 25:
        return QColor(255, 225, 180)
    if db < 35:
        return QColor(255, 250, 200)
    return QColor(215, 245, 215)


SQNR_BANDS = [(None, 15, "< 15 dB"), (15, 25, "15–25"), (25, 35, "25–35"), (35, None, "≥ 35 dB")]


def legend_html() -> str:
    """The colour key of the SQNR tints, one swatch per band."""
    parts = []
    for lo, hi, text in SQNR_BANDS:
        c = sqnr_colour(lo if lo is not None else hi - 1)
        parts.append(f"{swatch(c.name())}&nbsp;{html.escape(text)}")
    return "SQNR colours: " + " &nbsp;".join(parts)

ROW_KINDS = ("activations", "weights", "all")      # what the table lists: int8 tensors, kernel entries, both
ROW_KIND_TIPS = {"activations": "One row per int8 tensor (activation range)",
                 "weights": "One row per kernel entry (LAYER/kernel: its clip, granularity and precision)",
                 "all": "Tensors and kernel entries, each kernel right after its layer's tensor"}
