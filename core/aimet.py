"""AIMET encodings JSON for activation ranges (docs/int8-spec.md, section 6).

``{"version": "0.6.1", "activation_encodings": {tensor: [enc]}, "param_encodings": {}}``
with ``enc = {"bitwidth": 8, "dtype": "int", "is_symmetric": "False", "min", "max",
"offset", "scale"}``; ``offset = round(min / scale)`` (AIMET's grid is
``(q + offset)·scale`` for unsigned q), so TFLite's int8 ``zero_point = -128 - offset``.

Exported keys are the plan's tensor names; on import a key may also be the Keras
layer whose output the tensor is (``QTensor.output_layer``). Imported ranges become
``user`` ranges (nudged as always). Unknown names are never dropped silently: they
are an error unless the caller allows skipping them, and then they are listed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from .outputs import ENCODINGS, Output, write_outputs
from .plan import MAX_WIDTH, USER, EntryState, Plan, PlanError
from .quant.grid import MIN_WIDTH, QuantParams, nudge

AIMET_VERSION = "0.6.1"


class EncodingsError(ValueError):
    """An encodings file that cannot be used, naming the file and entry."""


def to_aimet(plan: Plan) -> dict:
    """The plan's activation ranges as an AIMET encodings document."""
    acts = {}
    for e in plan:
        offset = int(round(e.min / e.scale))
        acts[e.name] = [{"bitwidth": 8, "dtype": "int", "is_symmetric": "False", "min": e.min, "max": e.max,
                         "offset": offset, "scale": e.scale}]
    return {"version": AIMET_VERSION, "activation_encodings": acts, "param_encodings": {}}


def export_encodings(plan: Plan, path, force: bool = False) -> Path:
    """Write the plan's encodings to ``path`` (or an :class:`core.outputs.Output`); an existing file
    that is not AIMET encodings is replaced only with ``force``."""
    target = path if isinstance(path, Output) else Output("the encodings file", path, ENCODINGS)
    write_outputs([(target, json.dumps(to_aimet(plan), indent=2).encode("utf-8"))], force=force)
    return Path(target.path)


@dataclass
class ImportResult:
    change: object                     # the plan Change (already applied unless apply=False)
    imported: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (key, reason)


def _enc_range(key: str, enc, source: str, current: QuantParams | None = None) -> tuple[float, float]:
    """The (min, max) of one encoding, every field checked. A range too narrow for the converter is refused
    unless it is exactly ``current`` (the plan's own range, e.g. a dead tensor's, round-tripping unchanged)."""
    if isinstance(enc, list):
        if len(enc) != 1:
            raise EncodingsError(f"{source}: {key}: {len(enc)} encodings (per-channel); activations need exactly one")
        enc = enc[0]
    if not isinstance(enc, dict):
        raise EncodingsError(f"{source}: {key}: encoding is not an object")
    bw = enc.get("bitwidth", 8)
    if isinstance(bw, bool) or not isinstance(bw, int):
        raise EncodingsError(f"{source}: {key}: bitwidth {bw!r} is a {type(bw).__name__}, not a JSON integer "
                             "(AIMET writes \"bitwidth\": 8)")
    if bw != 8:
        raise EncodingsError(f"{source}: {key}: bitwidth {bw}; qftune exports int8 only")
    if "min" in enc and "max" in enc:
        lo, hi = _num(source, key, enc, "min"), _num(source, key, enc, "max")
    elif "scale" in enc and "offset" in enc:
        scale, offset = _num(source, key, enc, "scale"), _num(source, key, enc, "offset")
        lo, hi = offset * scale, (offset + 255.0) * scale
    else:
        raise EncodingsError(f"{source}: {key}: encoding has neither min/max nor scale/offset")
    unchanged = current is not None and (lo, hi) == (current.min, current.max)
    if "scale" in enc:
        scale = _num(source, key, enc, "scale")
        if scale <= 0 or (scale * 255.0 <= MIN_WIDTH and not unchanged):
            raise EncodingsError(f"{source}: {key}: scale {scale:g} is not usable: it must be positive and give a "
                                 f"range wider than {MIN_WIDTH:g} (255 x scale), which the TFLite converter keeps")
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise EncodingsError(f"{source}: {key}: invalid range [{lo}, {hi}]")
    if max(hi, 0.0) - min(lo, 0.0) > MAX_WIDTH:
        raise EncodingsError(f"{source}: {key}: range [{lo:g}, {hi:g}] is too wide for float32 (max - min must be "
                             f"at most {MAX_WIDTH:g})")
    if max(hi, 0.0) - min(lo, 0.0) <= MIN_WIDTH and not unchanged:
        raise EncodingsError(f"{source}: {key}: range [{lo:g}, {hi:g}] is too narrow: the TFLite converter widens "
                             f"ranges of width {MIN_WIDTH:g} or less")
    return lo, hi


def _num(source: str, key: str, enc: dict, field_name: str) -> float:
    """``enc[field_name]`` as a finite float: booleans, strings, huge integers and NaN are refused by name."""
    v = enc[field_name]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise EncodingsError(f"{source}: {key}: {field_name} {v!r} is a {type(v).__name__}, not a number")
    try:
        f = float(v)
    except OverflowError:
        raise EncodingsError(f"{source}: {key}: {field_name} ({len(str(v))} digits) is too large for a float") from None
    if not math.isfinite(f):
        raise EncodingsError(f"{source}: {key}: {field_name} {v!r} is not a finite number")
    return f


def _exact_grid(enc: dict, lo: float, hi: float) -> QuantParams | None:
    """The stored grid itself when min/max/scale/offset agree (what qftune exports): bit-exact round trip."""
    try:
        scale, offset = float(enc["scale"]), int(enc["offset"])
        float(enc["offset"])
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    if not (scale > 0 and offset <= 0 <= offset + 255 and float(offset) == float(enc["offset"])):
        return None
    tol = 1e-5 * scale
    if abs(lo - offset * scale) > tol or abs(hi - (offset + 255) * scale) > tol:
        return None
    return QuantParams(lo, hi, scale, -128 - offset)


class _Object(dict):
    """A JSON object that remembers keys given more than once (json keeps the last silently)."""

    def __init__(self, pairs):
        super().__init__()
        self.duplicates: list[tuple[str, object, object]] = []
        for k, v in pairs:
            if k in self:
                self.duplicates.append((k, self[k], v))
            self[k] = v


def _describe(enc) -> str:
    e = enc[0] if isinstance(enc, list) and len(enc) == 1 else enc
    if isinstance(e, dict) and "min" in e and "max" in e:
        return f"min {e['min']!r} max {e['max']!r}"
    return json.dumps(e)[:60]


def _refuse_duplicates(source: str, doc) -> None:
    """Every key of the document once: a tensor listed twice is refused by name, with both values."""
    acts = doc.get("activation_encodings") if isinstance(doc, dict) else None
    for key, first, second in getattr(acts, "duplicates", []):
        raise EncodingsError(f"{source}: tensor {key!r} is listed twice in activation_encodings ({_describe(first)}, "
                             f"then {_describe(second)}); keep one of them (nothing imported)")
    stack = [doc]
    while stack:
        obj = stack.pop()
        if isinstance(obj, dict):
            for key, _first, _second in getattr(obj, "duplicates", []):
                raise EncodingsError(f"{source}: key {key!r} appears twice in one JSON object; keep one of them "
                                     "(nothing imported)")
            stack.extend(obj.values())
        elif isinstance(obj, list):
            stack.extend(obj)


def import_encodings(plan: Plan, path_or_doc, skip_unknown: bool = False, apply: bool = True) -> ImportResult:
    """Set the plan's ranges from an AIMET encodings file as one undoable change.

    Locked tensors keep their fixed parameters (listed in ``skipped``). Unknown tensor
    names raise :class:`EncodingsError` unless ``skip_unknown`` (then listed in ``skipped``).
    """
    source = str(path_or_doc) if not isinstance(path_or_doc, dict) else "encodings"
    if isinstance(path_or_doc, dict):
        doc = path_or_doc
    else:
        try:
            doc = json.loads(Path(path_or_doc).read_text(encoding="utf-8"), object_pairs_hook=_Object)
        except FileNotFoundError:
            raise FileNotFoundError(f"{path_or_doc}: no such encodings file") from None
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise EncodingsError(f"{source}: not valid JSON ({type(exc).__name__}: {exc})") from None
        except IsADirectoryError:
            raise EncodingsError(f"{source}: is a directory, not an encodings JSON file") from None
    _refuse_duplicates(source, doc)
    acts = doc.get("activation_encodings") if isinstance(doc, dict) else None
    if not isinstance(acts, dict):
        raise EncodingsError(f"{source}: no 'activation_encodings' object (not an AIMET encodings file)")
    by_layer = {e.tensor.output_layer: e.name for e in plan}
    result = ImportResult(None)
    after: dict[str, EntryState] = {}
    unknown = []
    named_by: dict[str, str] = {}
    for key, enc in acts.items():
        name = key if key in plan.entries else by_layer.get(key)
        if name is None:
            unknown.append(key)
            continue
        if name in named_by:
            raise EncodingsError(f"{source}: tensor {name!r} is listed twice, as {named_by[name]!r} and as {key!r} "
                                 f"(its layer); keep one of them (nothing imported)")
        named_by[name] = key
        lo, hi = _enc_range(key, enc, source, plan[name].params)
        reason = plan.locked_reason(name)
        if reason:
            result.skipped.append((key, f"locked: {reason}"))
            continue
        params = _exact_grid(enc[0] if isinstance(enc, list) else enc, lo, hi)
        if params is None:
            try:
                params = nudge(lo, hi)
            except ValueError as exc:
                raise EncodingsError(f"{source}: {key}: {exc}") from None
        for n in plan.group(name):
            after[n] = EntryState(params, USER, (lo, hi))
        result.imported.append(name)
    if unknown and not skip_unknown:
        raise EncodingsError(f"{source}: {len(unknown)} tensor(s) not in this model: {', '.join(unknown[:10])}"
                             + (" ..." if len(unknown) > 10 else "") + " (nothing imported)")
    result.skipped.extend((k, "no such tensor in the model") for k in unknown)
    try:
        result.change = plan.make_change(f"import {len(result.imported)} ranges from {Path(source).name}", after, [], apply)
    except PlanError as exc:  # pragma: no cover - states are validated above
        raise EncodingsError(str(exc)) from None
    return result
