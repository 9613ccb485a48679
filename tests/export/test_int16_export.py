"""Per-layer int16 (16x8, issue 25) through the CLI: set-precision int16, one exported .tflite mixing int8,
16x8 and float ops (ai-edge-quantizer fed with the plan), verified bit-exact, running in LiteRT and matching
the float model; the simulator follows; a combination without a 16x8 path is refused, nothing written."""

import json

import numpy as np

from cli_kit import clean_error, run

# one op of every kind in core.plan.precision.INT16_OPS
INT16_OPS, FLOAT_OP = ("block1_expand", "block1_dw", "block2_add", "global_pool", "logits"), "block4_expand"






def test_int16_float_and_int8_ops_export_verified_and_run(session_file, tmp_path, eval_small, qf_model,
                                                         tflite_probs):
    from core.data import to_model_input
    from core.export.litert import load_interpreter, read_graph
    from core.quant.grid import int16_scale, nudge
    from core.session import Session
    from core.workflows.simulate import simulated_model

    for op in INT16_OPS:
        out = run("set-precision", session_file, op, "int16")
        assert out.returncode == 0, out.stderr
    assert run("set-precision", session_file, FLOAT_OP, "float").returncode == 0
    rows = {r["name"]: r for r in json.loads(run("ranges", session_file, "--json").stdout)}
    assert {n for n, r in rows.items() if r["precision"] == "int16"} == set(INT16_OPS)
    plan = Session.load(session_file).plan
    for op in INT16_OPS:
        p = nudge(*plan.ranges()[op][:2]) if isinstance(plan.ranges()[op], tuple) else plan.ranges()[op]
        assert rows[op]["int16_scale"] == int16_scale(p)

    tfl, flt = tmp_path / "mixed.tflite", tmp_path / "float.tflite"
    out = run("export", session_file, "--out", tfl, "--float-out", flt, "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["verification"]["ok"], report["verification"]["problems"]
    by_name = {t["name"]: t for t in report["tensors"]}
    graph = read_graph(load_interpreter(str(tfl), preserve_all=True))
    producers = graph.producers()
    assert graph.tensors[graph.inputs[0]].dtype == "int8" and graph.tensors[graph.outputs[0]].dtype == "int8"
    for op in INT16_OPS:   # 16x8: int16 output at exactly the plan's 16-bit scale, int8 weights
        t = graph.tensors[by_name[op]["tflite_index"]]
        assert t.dtype == "int16" and int(t.zero_points[0]) == 0
        assert float(t.scales[0]) == by_name[op]["stored_scale"] == int16_scale(plan.ranges()[op])
        assert by_name[op]["precision"] == "int16"
        prod = producers[t.index]
        if prod.op in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            assert graph.tensors[prod.inputs[1]].dtype == "int8"
            assert all(graph.tensors[i].dtype == "int64" for i in prod.inputs[2:])   # bias (the logits have none)
    float_op = producers[by_name[FLOAT_OP]["tflite_index"]]
    assert [graph.tensors[i].dtype for i in float_op.inputs + float_op.outputs] == ["float32"] * 4
    int8 = [t for t in report["tensors"] if t["precision"] == "int8"]
    assert len(int8) > 40 and all(t["stored_scale"] == t["scale"] for t in int8)
    # QUANTIZE only at precision boundaries: int8<->int16 around the int16 ops, and one back from float
    kinds = [(graph.tensors[o.inputs[0]].dtype, graph.tensors[o.outputs[0]].dtype) for o in graph.ops
             if o.op == "QUANTIZE"]
    assert set(kinds) == {("int8", "int16"), ("int16", "int8"), ("float32", "int8")}
    assert report["ops"]["DEQUANTIZE"] == 1

    x = to_model_input(eval_small.images[:16], qf_model.input_shape)
    mixed, ref = tflite_probs(tfl, x), tflite_probs(flt, x)
    # stated tolerance, as for float ops: softmax within 0.15 of the float model, top-1 kept on >= 75 %
    assert np.abs(mixed - ref).max() < 0.15
    assert np.mean(mixed.argmax(1) == ref.argmax(1)) >= 0.75
    sim, _ = simulated_model(Session.load(session_file))   # the simulator simulates the 16-bit ops
    assert sim.int16 == set(INT16_OPS)
    simulated = sim.run(x)
    # within 10 output steps of 1/256 (measured 8: the quantizer rounds weights half-to-even, FakeQuant away
    # from zero, and the 16-bit ops' int64 biases are simulated float)
    assert np.abs(simulated - mixed).max() <= 10 / 256
    assert np.mean(simulated.argmax(1) == mixed.argmax(1)) >= 0.9

    out = run("evaluate", tfl, "--data", "embedded:eval", "--limit", "32", "--json")
    assert out.returncode == 0, out.stderr
    assert 0.0 <= json.loads(out.stdout)["top1"] <= 1.0


def test_a_combination_without_16x8_path_is_refused_naming_the_op(session_file, tmp_path):
    before = session_file.read_bytes()
    clean_error(run("set-precision", session_file, "softmax", "int16"), "softmax", "SOFTMAX", "int16")
    assert session_file.read_bytes() == before
    # a session file holding it anyway (written by hand or another tool): refused at load, naming the op;
    # the export writes nothing
    from core.session import Session

    session = Session.load(session_file)
    session.plan.precisions["softmax"] = "int16"
    session.save(session_file)
    out_path = tmp_path / "m.tflite"
    clean_error(run("export", session_file, "--out", out_path), "softmax", "int16")
    assert not out_path.exists() and not list(tmp_path.glob("m.*"))
