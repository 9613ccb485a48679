"""autotune's float move (``--allow float``) on the tiny dead-channel MobileNetV1 of autotune_kit: an op kept
float is a move with a cost (the model grows, its latency is measured), the tuned plan exports verified with
that op float between DEQUANTIZE/QUANTIZE and runs in LiteRT; free clips are preferred when they suffice."""

from __future__ import annotations

import json

import pytest

from autotune_kit import N_EVAL, shared_tuned_case
from cli_kit import run


@pytest.fixture(scope="module")
def tuned_case(tmp_path_factory):
    return shared_tuned_case(tmp_path_factory)


def test_float_alone_meets_the_target_at_a_measured_cost_and_runs_in_litert(tuned_case, tmp_path):
    from core.export.litert import load_interpreter, read_graph

    session, data = tuned_case
    out = tmp_path / "f.qft"
    r = run("autotune", session, "--data", data, "--weights", "per-tensor", "--allow", "float", "--max-drop", "60",
            "--holdout", "400", "--cost", "latency", "--out", out, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["start"]["drop_pp"] > 70.0 and doc["met_heldout"]
    moves = {c["move"] for c in doc["changes"]}
    assert moves == {"float"}, doc["changes"]
    floats = [c["layer"] for c in doc["changes"]]
    # ordered by sensitivity like the other moves: the dead channel's layer, measured worst, is tried first
    assert doc["sensitivity"][0]["layer"] == "block0_dw" and floats[0] == "block0_dw"
    assert doc["float_ops"] == sorted(floats) and doc["every_op_int8"] is False
    assert doc["best"]["extra_bytes"] > 0                       # float32 kernels: a cost, not free
    conf = doc["confirmed"]
    assert conf["verified"] and conf["met"] and conf["n_images"] == N_EVAL
    # the model bytes grow and the latency is measured for the front's plans (same threads)
    by_index = {p["index"]: p for p in doc["pareto"]}
    start, best = by_index[doc["start"]["index"]], by_index[doc["best"]["index"]]
    assert start["bytes_measured"] and best["bytes_measured"] and best["bytes"] > start["bytes"]
    assert start["latency_ms"] > 0 and best["latency_ms"] > 0
    # the tuned session holds the op's precision, as set-precision would
    rows = {row["name"]: row for row in json.loads(run("ranges", out, "--json").stdout)}
    assert rows["block0_dw"]["precision"] == "float"
    # the .tflite computes that op in float between a DEQUANTIZE and a QUANTIZE
    graph = read_graph(load_interpreter(conf["tflite"], preserve_all=True))
    dw = [op for op in graph.ops if op.op == "DEPTHWISE_CONV_2D"]
    float_dw = [op for op in dw if graph.tensors[op.inputs[1]].dtype == "float32"]
    assert len(float_dw) >= 1 and any(graph.tensors[op.inputs[1]].dtype == "int8" for op in dw)
    kinds = [op.op for op in graph.ops]
    assert "DEQUANTIZE" in kinds and "QUANTIZE" in kinds


def test_a_free_clip_is_preferred_to_a_float_op(tuned_case, tmp_path):
    session, data = tuned_case
    r = run("autotune", session, "--data", data, "--weights", "per-tensor", "--allow", "clip,float", "--max-drop",
            "60", "--holdout", "400", "--out", tmp_path / "c.qft", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert {c["move"] for c in doc["changes"]} == {"clip"} and doc["float_ops"] == []
    assert doc["every_op_int8"] is True and doc["best"]["extra_bytes"] == 0
