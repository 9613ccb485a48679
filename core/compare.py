"""Per-tensor fidelity of an int8 .tflite against its float Keras model.

Both models run on the same K images; the int8 model keeps all intermediate tensors
(builtin kernels, no delegate) and each plan tensor's int8 values, dequantized with
the stored scale and zero point, are compared with the float model's output of the
same plan tensor (its ``output_layer``). Tensors are matched by the plan: the export
report's ``tflite_index`` when present, otherwise by graph structure
(``core.export.match``), never by name guessing.

SQNR (dB) = 10 log10( sum(float^2) / sum((float - int8)^2) ); +inf when identical.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .progress import NULL_PROGRESS, Progress


def sqnr_db(reference: np.ndarray, test: np.ndarray) -> float:
    ref = np.asarray(reference, np.float64)
    noise = float(np.sum((ref - np.asarray(test, np.float64)) ** 2))
    signal = float(np.sum(ref ** 2))
    if noise == 0.0:
        return math.inf
    if signal == 0.0:
        return -math.inf
    return 10.0 * math.log10(signal / noise)


@dataclass
class TensorFidelity:
    name: str
    op: str
    tflite_index: int
    sqnr_db: float
    scale: float
    zero_point: int
    float_min: float
    float_max: float
    clipped_fraction: float   # float values outside the int8 range

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        for k in ("sqnr_db",):
            if not math.isfinite(d[k]):
                d[k] = "inf" if d[k] > 0 else "-inf"
        return d


def sqnr_of(doc: dict | None, names=None) -> dict[str, float]:
    """``{tensor: SQNR dB}`` of a Compare result as plain data (``CompareResult.to_dict()``, what
    ``qftune compare --json`` prints): each row's ``sqnr_db`` as a float again ("inf"/"-inf" as written
    by :meth:`TensorFidelity.to_dict`; a null is NaN), in the order of ``names`` (tensors the result
    lacks left out) or the result's own (worst first)."""
    by_name = {r["name"]: math.nan if r.get("sqnr_db") is None else float(r["sqnr_db"])
               for r in (doc or {}).get("tensors", [])}
    return by_name if names is None else {n: by_name[n] for n in names if n in by_name}


def tflite_mapping(tflite_path, tensors, graph=None) -> dict[str, int]:
    """Plan tensor -> tflite tensor index, from the export report or the graph structure."""
    from .export.litert import load_interpreter, read_graph
    from .export.match import match_tensors
    from .export.report import ExportReport, report_of

    doc = report_of(tflite_path)
    if doc is not None:
        idx = ExportReport.from_dict(doc).tflite_index
        if all(t.name in idx for t in tensors):
            return {t.name: idx[t.name] for t in tensors}
    if graph is None:
        graph = read_graph(load_interpreter(tflite_path, preserve_all=True))
    return match_tensors(graph, tensors)


def _as_source(images):
    if isinstance(images, np.ndarray):
        from .data import Dataset

        return Dataset(images, np.zeros(len(images), np.int64), ["?"], "images")
    return images


def compare(model, tensors, tflite_path: str | Path, images, progress: Progress = NULL_PROGRESS,
            convention=None, warn=None, batch_size: int = 16,
            source_model: str | Path | None = None) -> list[TensorFidelity]:
    """SQNR per plan tensor on ``images`` (an image source, or uint8 images taken as pixel/255), worst first.

    Streams: per batch the float model's and the int8 model's tensors are compared and only
    the sums are kept. ``convention`` (default: the export report's, else the int8 input's range)
    feeds both models the same floats; the int8 model gets them quantized by its input tensor.
    ``source_model``: the Keras file ``model`` was loaded from; a .tflite whose export
    report names another model, or a float model (the export's float twin), is refused
    (see :mod:`core.export.report`).
    """
    import keras

    from .export.litert import dequantize, load_interpreter, quantize_input, read_graph
    from .export.report import require_int8_export
    from .models.convention import PIXEL_01, resolve_convention

    require_int8_export(tflite_path, source_model)
    src = _as_source(images)
    interp = load_interpreter(tflite_path, preserve_all=True)
    inp = interp.get_input_details()[0]
    if np.dtype(inp["dtype"]) not in (np.int8, np.uint8):
        raise ValueError(f"{tflite_path}: not an int8 model (its input is {np.dtype(inp['dtype']).name}): compare "
                         "measures the int8 .tflite exported from this session against its float model; give that file")
    graph = read_graph(interp)
    mapping = tflite_mapping(tflite_path, tensors, graph)
    # a tied op the converter folded away (a PAD into the next conv) shares its input's tensor: nothing of its own
    tensors = [t for t in tensors if not any(mapping.get(i) == mapping[t.name] for i in t.inputs)]
    if isinstance(images, np.ndarray) and convention is None:
        convention = PIXEL_01
    conv = resolve_convention(model_path=tflite_path, user=convention, warn=warn, input_detail=inp)
    probe = keras.Model(model.inputs[0], [model.get_layer(t.output_layer).output for t in tensors])
    infos = [graph.tensors[mapping[t.name]] for t in tensors]
    qparams = [(float(i.scales[0]) if len(i.scales) else 0.0, int(i.zero_points[0]) if len(i.zero_points) else 0)
               for i in infos]
    acc = [{"signal": 0.0, "noise": 0.0, "min": np.inf, "max": -np.inf, "clipped": 0, "count": 0} for _ in tensors]
    size, channels = int(model.input_shape[1]), int(model.input_shape[-1])
    for x, _y in src.batches(size, channels, conv, batch_size, progress):
        floats = probe(x, training=False)
        floats = [np.asarray(f) for f in (floats if isinstance(floats, (list, tuple)) else [floats])]
        q_out = [[] for _ in tensors]
        qx = quantize_input(x, inp)
        for i in range(len(x)):
            interp.set_tensor(inp["index"], qx[i:i + 1])
            interp.invoke()
            for k, info in enumerate(infos):
                q_out[k].append(dequantize(interp.get_tensor(info.index), *qparams[k]))
        for k, f in enumerate(floats):
            q = np.concatenate(q_out[k]).reshape(f.shape).astype(np.float64)
            f64 = f.astype(np.float64)
            a = acc[k]
            a["signal"] += float(np.sum(f64 ** 2))
            a["noise"] += float(np.sum((f64 - q) ** 2))
            a["min"], a["max"] = min(a["min"], float(f.min())), max(a["max"], float(f.max()))
            scale, zp = qparams[k]
            if scale:
                lo, hi = (-128 - zp) * scale, (127 - zp) * scale
                a["clipped"] += int(np.sum((f < lo - scale / 2) | (f > hi + scale / 2)))
            a["count"] += f.size
    if not acc or acc[0]["count"] == 0:
        raise ValueError(f"{src.source}: no images to compare on")
    out = []
    for t, info, (scale, zp), a in zip(tensors, infos, qparams, acc, strict=True):
        if a["noise"] == 0.0:
            db = math.inf
        elif a["signal"] == 0.0:
            db = -math.inf
        else:
            db = 10.0 * math.log10(a["signal"] / a["noise"])
        out.append(TensorFidelity(t.name, t.op, info.index, db, scale, zp, a["min"], a["max"],
                                  a["clipped"] / a["count"]))
    out.sort(key=lambda r: r.sqnr_db)
    return out


def format_fidelity(rows: list[TensorFidelity], n_images: int) -> str:
    lines = [f"SQNR per plan tensor on {n_images} images, worst first (float Keras vs int8 .tflite):",
             f"{'tensor':<24} {'op':<18} {'SQNR dB':>8} {'clipped':>8}  float range"]
    for r in rows:
        s = "inf" if math.isinf(r.sqnr_db) and r.sqnr_db > 0 else f"{r.sqnr_db:.1f}"
        lines.append(f"{r.name:<24} {r.op:<18} {s:>8} {r.clipped_fraction * 100:7.2f}%  [{r.float_min:.4g}, {r.float_max:.4g}]")
    if rows:
        lines.append(f"most hurt by quantization: {rows[0].name} ({rows[0].sqnr_db:.1f} dB)")
    return "\n".join(lines)
