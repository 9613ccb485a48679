"""The model graph and its layout (core/graph): every plan tensor of the bundled models is a node,
placed below every tensor it reads; residual adds have their two inputs."""

from __future__ import annotations

import pytest

from cli_kit import ROOT
from core.graph import layout_graph, metric_values, model_graph
from core.graph.metrics import METRICS, colour, normalise, scale
from core.session import Session

SESSIONS = sorted((ROOT / "resources" / "sessions").glob("*.qft"))


@pytest.mark.parametrize("path", SESSIONS, ids=lambda p: p.stem)
def test_layout_covers_every_plan_tensor(path):
    plan = Session.load(path, verify_model=False).plan
    graph = model_graph(plan.tensors)
    lay = layout_graph(graph)
    missing = [n for n in plan.names if n not in lay.positions]
    assert not missing, f"tensors without a place in the layout: {missing}"
    for t in plan.tensors:
        for src in t.inputs:
            assert lay.positions[src][1] < lay.positions[t.name][1], (src, t.name)
            assert (src, t.name) in lay.edges
    assert len(lay.edges) == sum(len(t.inputs) for t in plan.tensors)


def test_residual_adds_read_two_tensors():
    plan = Session.load(ROOT / "resources/sessions/mobilenet_v2_qf_fmnist.qft", verify_model=False).plan
    graph = model_graph(plan.tensors)
    adds = [n for n in graph.nodes if n.op == "ADD"]
    assert adds and all(len(n.inputs) == 2 for n in adds)
    # a skip edge bends around the block it skips: more than two points
    assert any(len(lay) > 2 for lay in layout_graph(graph).edges.values())


def test_estimated_sqnr_follows_a_range_edit():
    plan = Session.load(ROOT / "resources/sessions/mobilenet_v2_qf_fmnist.qft", verify_model=False).plan
    name = "block1_expand"
    before = metric_values("est_sqnr", plan)[name]
    e = plan[name]
    plan.set_range(name, e.min, e.max * 20)
    after = metric_values("est_sqnr", plan)[name]
    assert after < before - 10
    worst_best = scale("est_sqnr", {})
    assert colour(normalise("est_sqnr", after, worst_best)) != colour(normalise("est_sqnr", before, worst_best))


def test_unknown_metric_is_named():
    plan = Session.load(ROOT / "resources/sessions/mobilenet_v1_qf_fmnist.qft", verify_model=False).plan
    with pytest.raises(KeyError, match="est_sqnr"):
        metric_values("nope", plan)
    assert set(METRICS) >= {"est_sqnr", "saturation", "range_width", "measured_sqnr", "sensitivity"}


def test_measured_metrics_read_the_cli_json_of_compare_and_sensitivity():
    """The graph colours by the documents ``qftune compare/sensitivity --json`` print (the GUI's results too)."""
    from core.graph.metrics import available, binomial_band, sensitivity_band

    plan = Session.load(ROOT / "resources/sessions/mobilenet_v1_qf_fmnist.qft", verify_model=False).plan
    a, b = plan.names[0], plan.names[1]
    compare = {"n_images": 2, "skipped_images": 0,
               "tensors": [{"name": a, "op": "CONV_2D", "sqnr_db": 12.5}, {"name": b, "op": "RELU", "sqnr_db": "inf"}]}
    sens = {"float_top1": 0.8, "n_images": 50, "skipped_images": 0, "seconds": 1.0,
            "tensors": [{"name": b, "op": "RELU", "top1": 0.7, "drop_pp": 10.0}]}
    results = {"compare": compare, "sensitivity": sens}
    measured = metric_values("measured_sqnr", plan, results)
    assert measured[a] == 12.5 and measured[b] == float("inf") and measured[plan.names[2]] is None
    drops = metric_values("sensitivity", plan, results)
    assert drops[b] == 10.0 and drops[a] is None
    assert sensitivity_band(results) == binomial_band(0.8, 50) and available("sensitivity", results, None)
    assert sensitivity_band({}) is None and not available("measured_sqnr", {}, None)
