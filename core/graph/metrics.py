"""What a graph node is coloured by: one value per plan tensor for each metric, and a scale
that maps a value to 0 (worst) .. 1 (best) for colouring.

- estimated SQNR and saturation: the plan's instant estimate of the tensor's range on its
  calibration histogram (what the layer table shows);
- range width vs min/max: the chosen range's width over the calibration min..max width, in %
  (100 % = min/max, less = clipped);
- measured SQNR: ``results["compare"]`` (after Compare: what ``qftune compare --json`` prints);
- sensitivity: ``results["sensitivity"]`` (after Sensitivity: what ``qftune sensitivity --json`` prints);
  drops inside the 95 % binomial noise band of its ``n_images`` are noise, not a finding;
- weight spread / channels erased: the conv/depthwise/dense kernel the op carries
  (``core.weights.LayerWeights``, folded as the export folds it): max/median of the per-channel
  max|w|, and the channels per-tensor int8 weights round to all zeros.
A value is None where the metric does not apply (no kernel, no result yet, an empty histogram).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# the colour of a node goes from worst to best along these stops (CSS colours; the GUI and
# Model Explorer's gradient use the same ones)
GRADIENT = [(0.0, "#d73027"), (0.35, "#fc8d59"), (0.65, "#fee08b"), (1.0, "#1a9850")]
NO_VALUE = "#d9d9d9"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    higher_is_better: bool
    needs: str            # "plan", "compare", "sensitivity" or "weights"
    fixed: tuple[float, float] | None = None   # the scale's worst..best values; None: the values' own span
    description: str = ""


METRICS = {m.key: m for m in [
    Metric("est_sqnr", "estimated SQNR", "dB", True, "plan", (10.0, 40.0),
           "Signal-to-quantization-noise ratio of the chosen range on the calibration histogram"),
    Metric("saturation", "saturation", "%", False, "plan", None,
           "Share of calibration values outside the chosen range (clipped)"),
    Metric("range_width", "range width vs min/max", "%", True, "plan", (0.0, 100.0),
           "Chosen range width over the calibration min..max width (100 % = min/max, less = clipped)"),
    Metric("measured_sqnr", "measured SQNR", "dB", True, "compare", (10.0, 40.0),
           "SQNR between the float model and the exported int8 .tflite (after Compare)"),
    Metric("sensitivity", "sensitivity", "points", False, "sensitivity", None,
           "Top-1 drop when only this tensor is quantized (after Sensitivity); inside the noise band = noise"),
    Metric("weight_spread", "weight spread", "×", False, "weights", (1.0, 50.0),
           "max / median of the per-channel max|w| of the folded kernel (1 = channels alike)"),
    Metric("channels_erased", "channels erased", "channels", False, "weights", None,
           "Output channels whose every weight rounds to 0 under per-tensor int8 weights"),
]}


def binomial_band(top1: float, n: int) -> float:
    """95 % binomial uncertainty of a top-1 measured on ``n`` images, in percentage points
    (the Results panel draws the same band)."""
    if not n:
        return 0.0
    p = min(max(top1, 0.0), 1.0)
    return 100.0 * 1.96 * math.sqrt(max(p * (1.0 - p), 1.0 / n) / n)


def sensitivity_band(results: dict | None) -> float | None:
    """The noise band (points) of the sensitivity result, or None."""
    res = (results or {}).get("sensitivity")
    if not isinstance(res, dict) or not res.get("n_images"):
        return None
    base = res.get("float_top1")
    return binomial_band(0.5 if base is None else float(base), int(res["n_images"]))


def _finite(v) -> float | None:
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else v


def _range_width(entry) -> float | None:
    h = entry.stats
    if h is None or not math.isfinite(h.min) or not math.isfinite(h.max) or h.max <= h.min:
        return None
    return 100.0 * (entry.max - entry.min) / (h.max - h.min)


def _weight(weights: dict | None, layer: str):
    w = (weights or {}).get(layer)
    if isinstance(w, dict):
        from ..weights import LayerWeights

        w = LayerWeights.from_dict(w)
    return w


def _measured(metric: str, results: dict | None) -> dict[str, float]:
    """{tensor: value} of the job result ``metric`` reads (measured SQNR, sensitivity), empty without one."""
    if metric == "measured_sqnr":
        from ..compare import sqnr_of

        return sqnr_of((results or {}).get("compare"))
    from ..sensitivity import drops_of

    return drops_of((results or {}).get("sensitivity"))


def metric_value(metric: str, plan, name: str, results: dict | None = None, weights: dict | None = None,
                 measured: dict | None = None):
    """``metric``'s value for plan tensor ``name`` (None where it does not apply); ``measured``: the
    job result's values when the caller has read them (:func:`metric_values`)."""
    entry = plan[name]
    if metric in ("est_sqnr", "saturation"):
        if entry.stats is None or entry.stats.empty:
            return None
        est = entry.estimate()
        return _finite(est.sqnr_db) if metric == "est_sqnr" else 100.0 * est.saturated_fraction
    if metric == "range_width":
        return _range_width(entry)
    if metric in ("measured_sqnr", "sensitivity"):
        return _finite((_measured(metric, results) if measured is None else measured).get(name))
    if metric in ("weight_spread", "channels_erased"):
        w = _weight(weights, entry.tensor.layers[0])
        if w is None:
            return None
        return _finite(w.spread) if metric == "weight_spread" else float(w.collapsed.sum())
    raise KeyError(f"unknown graph metric {metric!r}; metrics: {', '.join(METRICS)}")


def metric_values(metric: str, plan, results: dict | None = None, weights: dict | None = None,
                  names=None) -> dict[str, float | None]:
    """``metric`` for every plan tensor (or ``names``), in plan order."""
    if metric not in METRICS:
        raise KeyError(f"unknown graph metric {metric!r}; metrics: {', '.join(METRICS)}")
    measured = _measured(metric, results) if METRICS[metric].needs in ("compare", "sensitivity") else None
    return {n: metric_value(metric, plan, n, results, weights, measured) for n in (names or plan.names)}


def available(metric: str, results: dict | None, weights: dict | None) -> bool:
    """Whether the data ``metric`` needs exists (a plan always; the job results or weights otherwise)."""
    needs = METRICS[metric].needs
    if needs == "plan":
        return True
    if needs == "weights":
        return bool(weights)
    return bool((results or {}).get(needs))


def scale(metric: str, values: dict) -> tuple[float, float]:
    """The (worst, best) values of the colour scale of ``metric`` for these values."""
    m = METRICS[metric]
    if m.fixed is not None:
        lo, hi = m.fixed
    else:
        finite = [v for v in values.values() if v is not None and math.isfinite(v)]
        lo, hi = (min(finite + [0.0]), max(finite + [0.0])) if finite else (0.0, 1.0)
        if hi <= lo:
            hi = lo + 1.0
    return (lo, hi) if m.higher_is_better else (hi, lo)


def normalise(metric: str, value, worst_best: tuple[float, float]) -> float | None:
    """``value`` on the scale 0 (worst) .. 1 (best), clamped; None for no value."""
    if value is None or math.isnan(value):
        return None
    worst, best = worst_best
    if math.isinf(value):
        return 1.0 if (value > 0) == (best > worst) else 0.0
    f = (value - worst) / (best - worst)
    return min(max(f, 0.0), 1.0)


def colour(fraction: float | None) -> str:
    """The CSS colour ``#rrggbb`` of a 0..1 fraction on :data:`GRADIENT` (grey for None)."""
    if fraction is None:
        return NO_VALUE
    for (f0, c0), (f1, c1) in zip(GRADIENT, GRADIENT[1:], strict=False):
        if fraction <= f1:
            t = 0.0 if f1 == f0 else (fraction - f0) / (f1 - f0)
            a, b = _rgb(c0), _rgb(c1)
            return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))
    return GRADIENT[-1][1]


def _rgb(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)
