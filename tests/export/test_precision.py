"""Per-layer precision (issue 25): an op set float through the CLI reaches the export as a float op with
DEQUANTIZE/QUANTIZE only at its boundaries, verified, running in LiteRT and matching the float model and
the simulated model; the entry is saved, undoable, and bad input is refused naming the layer/value."""

import json

import numpy as np
import pytest

from cli_kit import clean_error, run

FLOAT_OP, READER = "block1_expand", "block1_dw"






def test_a_float_op_exports_float_between_boundaries_and_runs(session_file, tmp_path, eval_small, qf_model,
                                                             tflite_probs):
    from core.data import to_model_input
    from core.export.litert import load_interpreter, read_graph
    from core.session import Session
    from core.workflows.simulate import simulated_model

    out = run("set-precision", session_file, FLOAT_OP, "float")
    assert out.returncode == 0, out.stderr
    assert f"{READER} read(s) its float output" in out.stdout
    rows = {r["name"]: r for r in json.loads(run("ranges", session_file, "--json").stdout)}
    assert rows[FLOAT_OP]["precision"] == "float" and rows[READER]["precision"] == "float-input"
    assert sum(r["precision"] == "int8" for r in rows.values()) == len(rows) - 2

    tfl, flt = tmp_path / "mixed.tflite", tmp_path / "float.tflite"
    out = run("export", session_file, "--out", tfl, "--float-out", flt, "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["verification"]["ok"], report["verification"]["problems"]
    assert report["ops"]["QUANTIZE"] == 1 and report["ops"]["DEQUANTIZE"] == 1   # int8 I/O: only the boundary
    by_name = {t["name"]: t for t in report["tensors"]}
    graph = read_graph(load_interpreter(str(tfl), preserve_all=True))
    producers = graph.producers()
    reader_q = graph.tensors[by_name[READER]["tflite_index"]]   # re-quantized with the planned range
    assert reader_q.dtype == "int8" and float(reader_q.scales[0]) == by_name[READER]["scale"]
    requant = producers[reader_q.index]
    assert requant.op == "QUANTIZE"
    reader_op = producers[requant.inputs[0]]
    float_op = producers[by_name[FLOAT_OP]["tflite_index"]]
    assert float_op.op == "CONV_2D" and reader_op.op == "DEPTHWISE_CONV_2D"
    for op in (float_op, reader_op):   # both compute in float32, kernels and biases too
        assert [graph.tensors[i].dtype for i in op.inputs + op.outputs] == ["float32"] * 4
    assert producers[float_op.inputs[0]].op == "DEQUANTIZE"
    int8_ops = [op for op in graph.ops if op.op == "CONV_2D" and graph.tensors[op.inputs[1]].dtype == "int8"]
    assert len(int8_ops) == report["ops"]["CONV_2D"] - 1

    x = to_model_input(eval_small.images[:16], qf_model.input_shape)
    mixed, ref = tflite_probs(tfl, x), tflite_probs(flt, x)
    # stated tolerance: softmax outputs within 0.15 of the float model (measured 0.106 on this untrained tiny
    # model, int8 everywhere else), top-1 kept on at least 75 % (measured 81 %)
    assert np.abs(mixed - ref).max() < 0.15
    assert np.mean(mixed.argmax(1) == ref.argmax(1)) >= 0.75
    # the simulated model skips the float op's FakeQuant too: it agrees with LiteRT within 6 output steps
    # of 1/256 (measured 4) and on the top-1 class
    sim, _ = simulated_model(Session.load(session_file))
    assert sim.floats == {FLOAT_OP} and sim.region == {FLOAT_OP, READER}
    simulated = sim.run(x)
    assert np.abs(simulated - mixed).max() <= 6 / 256
    assert np.mean(simulated.argmax(1) == mixed.argmax(1)) >= 0.9


def test_precision_is_saved_undoable_and_old_sessions_are_int8(session_file):
    from core.session import Session

    plan = Session.load(session_file).plan
    assert plan.precisions == {}                           # a session from before precision entries
    change = plan.set_precision(FLOAT_OP, "float")
    assert plan.precision(FLOAT_OP) == "float" and change.names == [f"{FLOAT_OP}/precision"]
    change.revert()
    assert plan.precision(FLOAT_OP) == "int8" and "precision" not in plan.to_dict()   # as saved before
    change.apply()
    doc = json.loads(json.dumps(plan.to_dict()))
    again = type(plan).from_dict(doc, {e.name: e.stats for e in plan})
    assert again.precisions == {FLOAT_OP: "float"}
    doc["precision"] = {FLOAT_OP: "fp8"}
    with pytest.raises(ValueError, match=f"{FLOAT_OP}: precision must be one of int8, int16, float, got 'fp8'"):
        type(plan).from_dict(doc, {e.name: e.stats for e in plan})


def test_bad_precision_input_is_refused_and_loses_nothing(session_file):
    before = session_file.read_bytes()
    clean_error(run("set-precision", session_file, "no_such_op", "float"), "no op named 'no_such_op'")
    clean_error(run("set-precision", session_file, FLOAT_OP, "fp8"), FLOAT_OP, "'fp8'")
    clean_error(run("set-precision", session_file, "softmax", "int16"), "softmax", "int16", "SOFTMAX")
    clean_error(run("set-precision", session_file, "image", "float"), "image", "stay int8")
    clean_error(run("set-precision", session_file, "softmax", "float"), "softmax", "model output")
    assert session_file.read_bytes() == before
    assert run("set-precision", session_file, FLOAT_OP, "float").returncode == 0
    saved = session_file.read_bytes()
    clean_error(run("set-range", session_file, f"{FLOAT_OP}/kernel", "-M", "0.1"),
                f"{FLOAT_OP}/kernel", "is float", f"set-precision {FLOAT_OP} int8")
    assert session_file.read_bytes() == saved
