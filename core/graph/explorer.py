"""qftune's per-node overlays for Google's Model Explorer (``ai-edge-model-explorer``, optional).

The node data is built with Model Explorer's own ``node_data_builder`` API and keyed by the
.tflite's tensor names (Model Explorer matches a key against each node's output ``tensor_name``).
Plan tensors map to .tflite tensors through the export report's ``tflite_index`` (else the graph
structure, as ``compare`` does); a tied op the converter folded away (a PAD into the next conv)
shares its input's tensor, so its node carries the producer's values.
"""

from __future__ import annotations

from pathlib import Path

from .metrics import GRADIENT, METRICS, metric_values, scale

INSTALL = "pip install ai-edge-model-explorer (or pip install 'qftune[explorer]')"
GRAPH_ID = "main"     # the id Model Explorer's TFLite adapter gives subgraph 0


class ExplorerMissingError(ValueError):
    """The optional Model Explorer package is not installed."""


def require_explorer(what: str = "qftune explore"):
    """The ``model_explorer`` module, or :class:`ExplorerMissingError` naming the install command."""
    try:
        import model_explorer
    except ImportError:
        raise ExplorerMissingError(f"{what} needs Google's Model Explorer, which is not installed: {INSTALL}") from None
    return model_explorer


def check_session_export(session, tflite: str | Path) -> None:
    """Refuse a .tflite that is not this session's int8 export: its export report's checksums (the
    file changed, the float twin, another model) and its activation scales against the plan's."""
    from ..export.report import ExportMismatchError, report_of, require_int8_export

    model = session.model_path if session.model_path and Path(session.model_path).is_file() else None
    require_int8_export(tflite, model)
    report = report_of(tflite) or {}
    want, have = report.get("model_sha256"), session.model_sha256
    if want and have and want != have:
        raise ExportMismatchError(f"{tflite} was exported from {report.get('model') or 'another model'} "
                                  f"(sha256 {want[:12]}...), not from this session's model (sha256 {have[:12]}...)")


def tensor_names(session, tflite: str | Path) -> dict[str, str]:
    """Plan tensor -> the .tflite tensor name holding it; refuses a .tflite whose scales are not the plan's."""
    from ..compare import tflite_mapping
    from ..export.litert import load_interpreter, read_graph

    graph = read_graph(load_interpreter(tflite, preserve_all=True))
    tensors = session.plan.tensors
    mapping = tflite_mapping(tflite, tensors, graph)
    wrong = []
    for t in tensors:
        info = graph.tensors[mapping[t.name]]
        e = session.plan[t.name]
        if len(info.scales) and abs(float(info.scales[0]) - e.scale) > 1e-6 * e.scale:
            wrong.append(f"{t.name} (scale {float(info.scales[0]):.6g} in the .tflite, {e.scale:.6g} in the plan)")
    if wrong:
        raise ValueError(f"{tflite} is not the export of this session's plan: {len(wrong)} tensor range(s) differ, "
                         f"e.g. {wrong[0]}; export the session again (qftune export)")
    return {t.name: graph.tensors[mapping[t.name]].name for t in tensors}


def node_data(session, names: dict[str, str], results: dict | None = None, weights: dict | None = None) -> dict:
    """``{title: ModelNodeData}``: one overlay per metric with data, plus the range method.

    ``names``: :func:`tensor_names`. A .tflite tensor shared by several plan tensors (a folded PAD)
    carries the first one's value (its producer, in plan order)."""
    from model_explorer import node_data_builder as ndb

    from .metrics import available

    plan = session.plan
    gradient = [ndb.GradientItem(stop=f, bgColor=c) for f, c in GRADIENT]
    out = {}
    for key, m in METRICS.items():
        if not available(key, results, weights):
            continue
        values = metric_values(key, plan, results, weights)
        worst, best = scale(key, values)
        rows = {}
        for name, v in values.items():
            if v is not None and names[name] not in rows:
                rows[names[name]] = ndb.NodeDataResult(value=float(min(max(v, -1e9), 1e9)))
        stops = gradient if worst < best else [ndb.GradientItem(stop=1 - f, bgColor=c) for f, c in reversed(GRADIENT)]
        # no "/" in a title: Model Explorer addresses node data as node_data://TITLE/INDEX and splits on it
        # (the range-width overlay showed an error icon and no values)
        title = f"qftune {m.label} ({m.unit})".replace("/", "–")
        out[title] = ndb.ModelNodeData(graphsData={GRAPH_ID: ndb.GraphNodeData(results=rows, gradient=stops,
                                                                                 name=title)})
    methods = {}
    for name in plan.names:
        methods.setdefault(names[name], ndb.NodeDataResult(value=plan[name].method))
    out["qftune range method"] = ndb.ModelNodeData(graphsData={GRAPH_ID: ndb.GraphNodeData(
        results=methods, name="qftune range method")})
    return out


def file_name(title: str) -> str:
    return title.replace("qftune ", "").split(" (")[0].replace(" ", "_").replace("/", "_").replace("–", "_") + ".json"


def missing_tensors(names: dict[str, str], data: dict) -> list[str]:
    """Plan tensors whose .tflite tensor has no entry in the estimated-SQNR overlay (should be none)."""
    first = next(iter(data.values()))
    keys = set(first.graphsData[GRAPH_ID].results)
    return [n for n, tn in names.items() if tn not in keys]
