"""Per-layer precision entries of the plan (``LAYER/precision``), mixed into :class:`core.plan.Plan`.

An op (a plan tensor other than the model input) is ``int8`` (the default) or ``float``. A float op
keeps its kernel and its output in float32: the export puts no FakeQuant on either, and the converter
puts a DEQUANTIZE before it and a QUANTIZE where the graph returns to int8 (docs/precision.md has the
measurements). The converter quantizes an op only when its input is quantized, so an op that reads a
float op's output computes in float too (its output is re-quantized with its own planned range):
:func:`float_region` is that set, the one the export, the verifier and the simulation all use.

``int16`` is TFLite's 16x8 scheme: the op's activations (its output, and its inputs re-quantized to
int16) on a symmetric 16-bit grid over the same nudged range (:func:`core.quant.grid.int16_scale`),
its weights int8 as planned. The FakeQuant -> TFLiteConverter export cannot produce it per op, so a
plan with int16 ops is exported through ai-edge-quantizer fed with the plan (:mod:`core.export.mixed`;
docs/precision.md has the measurements). Only the op kinds in :data:`INT16_OPS` (measured to quantize
and run in LiteRT as 16x8) may be int16; any other is refused naming the op.

Every edit is a :class:`~core.plan.changes.Change` keyed by ``LAYER/precision`` with
:class:`PrecisionState` values (undo/redo like ranges and kernel entries). No TensorFlow here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .checks import PlanError

PRECISION = "/precision"
PRECISIONS = ("int8", "int16", "float")
DEFAULT_PRECISION = "int8"
# op kinds measured to quantize as 16x8 with ai-edge-quantizer 0.10 and run in LiteRT 2.3 next to int8 ops
# (scripts/precision_probe.py, tests/export/test_int16_export.py); docs/precision.md
INT16_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "MEAN")


def precision_name(layer: str) -> str:
    return layer + PRECISION


@dataclass(frozen=True)
class PrecisionState:
    """What a change saves and restores for one op's precision."""

    precision: str = DEFAULT_PRECISION


def check_precision(layer: str, value) -> str:
    """``value`` if the export can honour it, else a :class:`PlanError` naming the layer and the value."""
    if value not in PRECISIONS:
        raise PlanError(f"{layer}: precision must be one of {', '.join(PRECISIONS)}, got {value!r}")
    return value


def check_int16(t, group: list[str]) -> None:
    """A :class:`PlanError` naming ``t`` (a plan tensor) when its op cannot be 16x8 in LiteRT."""
    if t.op not in INT16_OPS:
        raise PlanError(f"{t.name}: int16 (16x8) has no LiteRT kernel path for a {t.op} op here "
                        f"(int16 is available for {', '.join(INT16_OPS)}; docs/precision.md)")
    if t.locked:
        raise PlanError(f"{t.name}: a locked op ({t.locked}) keeps its fixed int8 parameters")
    if len(group) > 1:
        raise PlanError(f"{t.name}: it shares one int8 range with {', '.join(group[1:3])} (tied in TFLite), "
                        "so it cannot be int16 alone")


def float_layers(plan) -> set[str]:
    """Names of the plan tensors (their ops) set to float; anything without ``precisions``: none."""
    precisions = getattr(plan, "precisions", None) or {}
    return {name for name, p in precisions.items() if p == "float"}


def int16_layers(plan) -> set[str]:
    """Names of the plan tensors (their ops) set to int16 (16x8)."""
    precisions = getattr(plan, "precisions", None) or {}
    return {name for name, p in precisions.items() if p == "int16"}


def float_region(tensors, plan) -> set[str]:
    """The plan tensors whose op computes in float in the export: the float ops and the ops reading
    a float op's output (the converter quantizes an op only when its input is quantized)."""
    floats = float_layers(plan)
    return floats | {t.name for t in tensors if any(i in floats for i in t.inputs)}


class PrecisionEdits:
    """Precision entries of a plan; the host class provides ``tensors``, ``make_change``, ``weights``."""

    def _init_precisions(self) -> None:
        self.precisions: dict[str, str] = {}   # only ops away from int8

    @property
    def precision_names(self) -> list[str]:
        """``LAYER/precision`` of every op that can have one, in model order."""
        return [precision_name(t.name) for t in self.tensors if t.op != "INPUT"]

    @staticmethod
    def is_precision_name(name: str) -> bool:
        return isinstance(name, str) and name.endswith(PRECISION)

    def precision(self, layer: str) -> str:
        self._precision_tensor(layer)
        return self.precisions.get(layer, DEFAULT_PRECISION)

    def _precision_tensor(self, layer: str):
        layer = layer[: -len(PRECISION)] if self.is_precision_name(layer) else layer
        t = next((t for t in self.tensors if t.name == layer), None)
        if t is None:
            names = [x.name for x in self.tensors if x.op != "INPUT"]
            some = ", ".join(names[:6]) + (" ..." if len(names) > 6 else "")
            raise PlanError(f"no op named {layer!r} in the plan; ops: {some or 'none'}")
        return t

    def set_precision(self, layer: str, value: str, apply: bool = True):
        """Compute ``layer``'s op in ``value`` (int8, int16 or float). Refused: float for the model input
        and its rescaling (the .tflite's input is int8) or the op producing the model output (its output is
        int8), int16 for an op kind without a 16x8 path (:data:`INT16_OPS`), either for a locked op or one
        tied to others (one scale shared in TFLite)."""
        t = self._precision_tensor(layer)
        check_precision(t.name, value)
        notes = []
        if value == "int16":
            check_int16(t, self.group(t.name))
            feeders = [i for i in t.inputs if self.precisions.get(i) == "float"]
            if feeders:
                notes.append(f"{t.name}: it reads float op {feeders[0]}'s output, so it computes in float "
                             "until that op is int8 or int16 again")
        if value == "float":
            if t.op in ("INPUT", "RESCALE"):
                raise PlanError(f"{t.name}: the model input and its rescaling stay int8 (the .tflite's input is int8)")
            if not any(t.name in u.inputs for u in self.tensors):
                raise PlanError(f"{t.name}: it produces the model output, which stays int8 (the .tflite's "
                                "output is int8); choose an op before it")
            if t.locked:
                raise PlanError(f"{t.name}: a locked op ({t.locked}) keeps its fixed int8 parameters")
            if len(self.group(t.name)) > 1:
                raise PlanError(f"{t.name}: it shares one int8 range with {', '.join(self.group(t.name)[1:3])} "
                                "(tied in TFLite), so it cannot be float alone")
            w = getattr(self, "weights", {}).get(t.name)
            if w is not None and not w.state.is_default:
                notes.append(f"{t.name}: its kernel entry {w.name} is kept but not used while the op is float")
            readers = [u.name for u in self.tensors if t.name in u.inputs]
            notes.append(f"{t.name}: {', '.join(readers)} read(s) its float output and compute in float too "
                         "(re-quantized with their own ranges)")
        return self.make_change(f"{t.name}: {value}", {precision_name(t.name): PrecisionState(value)}, notes, apply)

    def _set_precision_state(self, name: str, state: PrecisionState) -> bool:
        layer = self._precision_tensor(name).name
        if self.precisions.get(layer, DEFAULT_PRECISION) == state.precision:
            return False
        if state.precision == DEFAULT_PRECISION:
            self.precisions.pop(layer, None)
        else:
            self.precisions[layer] = state.precision
        return True

    def _precision_state(self, name: str) -> PrecisionState:
        return PrecisionState(self.precision(name))

    def check_weight_editable(self, layer: str) -> None:
        """A :class:`PlanError` when ``layer``'s op is float: its weights are not quantized."""
        if self.precisions.get(layer) == "float":
            raise PlanError(f"{layer}/kernel: the op {layer} is float, its weights are not quantized; "
                            f"set-precision {layer} int8 first")


def precisions_from_rows(plan, rows) -> dict[str, str]:
    """A saved ``precision`` mapping ``{layer: value}``, checked; anything else is refused naming it."""
    if rows is None:
        return {}
    if not isinstance(rows, dict):
        raise PlanError(f"plan 'precision' must be a mapping of op name to precision, not {type(rows).__name__}")
    out = {}
    for layer, value in rows.items():
        t = plan._precision_tensor(layer)
        check_precision(layer, value)
        if value == "int16":
            check_int16(t, plan.group(t.name))
        if value != DEFAULT_PRECISION:
            out[layer] = value
    return out
