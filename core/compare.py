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


def tflite_mapping(tflite_path, tensors, graph=None) -> dict[str, int]:
    """Plan tensor -> tflite tensor index, from the export report or the graph structure."""
    from .export.export import ExportReport, report_path
    from .export.litert import load_interpreter, read_graph
    from .export.match import match_tensors

    rp = report_path(tflite_path)
    if rp.exists():
        idx = ExportReport.load(rp).tflite_index
        if all(t.name in idx for t in tensors):
            return {t.name: idx[t.name] for t in tensors}
    if graph is None:
        graph = read_graph(load_interpreter(tflite_path, preserve_all=True))
    return match_tensors(graph, tensors)


def compare(model, tensors, tflite_path: str | Path, images_u8: np.ndarray,
            progress: Progress = NULL_PROGRESS, source_model: str | Path | None = None) -> list[TensorFidelity]:
    """SQNR per plan tensor on ``images_u8``, worst (lowest SQNR) first.

    ``source_model``: the Keras file ``model`` was loaded from; a .tflite whose export
    report names another model is refused (see :mod:`core.export.integrity`).
    """
    import keras

    from .data import to_model_input
    from .export.integrity import check_export
    from .export.litert import dequantize, load_interpreter, quantize_input, read_graph

    check_export(tflite_path, source_model)

    interp = load_interpreter(tflite_path, preserve_all=True)
    graph = read_graph(interp)
    mapping = tflite_mapping(tflite_path, tensors, graph)
    # a tied op the converter folded away (a PAD into the next conv) shares its input's tensor: nothing of its own
    tensors = [t for t in tensors if not any(mapping.get(i) == mapping[t.name] for i in t.inputs)]
    x = to_model_input(images_u8, model.input_shape)
    probe = keras.Model(model.inputs[0], [model.get_layer(t.output_layer).output for t in tensors])
    floats = [np.concatenate(parts) for parts in zip(*[[np.asarray(a) for a in probe(x[i:i + 64], training=False)]
                                                      for i in range(0, len(x), 64)])]
    inp = interp.get_input_details()[0]
    q_out = {t.name: [] for t in tensors}
    for i in range(len(x)):
        interp.set_tensor(inp["index"], quantize_input(x[i:i + 1], inp))
        interp.invoke()
        for t in tensors:
            info = graph.tensors[mapping[t.name]]
            q_out[t.name].append(dequantize(interp.get_tensor(info.index), float(info.scales[0]) if len(info.scales) else 0.0,
                                            int(info.zero_points[0]) if len(info.zero_points) else 0))
        progress.update(i + 1, len(x), f"image {i + 1}/{len(x)}")
    out = []
    for t, f in zip(tensors, floats):
        info = graph.tensors[mapping[t.name]]
        q = np.concatenate(q_out[t.name]).reshape(f.shape)
        scale = float(info.scales[0]) if len(info.scales) else 0.0
        zp = int(info.zero_points[0]) if len(info.zero_points) else 0
        lo, hi = (-128 - zp) * scale, (127 - zp) * scale
        clipped = float(np.mean((f < lo - scale / 2) | (f > hi + scale / 2))) if scale else 0.0
        out.append(TensorFidelity(t.name, t.op, info.index, sqnr_db(f, q), scale, zp, float(f.min()), float(f.max()), clipped))
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
