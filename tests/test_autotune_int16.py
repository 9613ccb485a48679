"""autotune's int16 move (issue 25) on the tiny x100-skewed QF MobileNetV2 (tests/autotune_kit.py): with
per-channel weights the drop is the depthwise outputs' int8 ranges, which must cover the x100 channel;
``--allow int16`` gives such an op and the pointwise conv reading it 16x8 activations. Autotune chooses it,
records its bytes as measured on its verified export, and the tuned session exports verified (int16
tensors in the .tflite) and runs in LiteRT."""

from __future__ import annotations

import json

import numpy as np
import pytest

from autotune_kit import build_case
from cli_kit import run

# an untrained tiny net's top-1 margins are small, so int8 noise flips many labels: the target is loose (measured:
# 91.25 pp held out with int8 activations, 48.25 pp after int16 moves), but int8 activations miss it by far
MAX_DROP = "60"


@pytest.fixture(scope="module")
def skewed_case(tmp_path_factory):
    return build_case(tmp_path_factory.mktemp("autotune16"), "skewed")


@pytest.mark.slow
def test_autotune_chooses_int16_and_the_result_exports_and_runs(skewed_case, tmp_path):
    from core.export.litert import load_interpreter, read_graph

    session, data = skewed_case
    out = tmp_path / "t.qft"
    r = run("autotune", session, "--data", data, "--weights", "per-channel", "--allow", "int16",
            "--max-drop", MAX_DROP, "--holdout", "400", "--max-evals", "40", "--out", out, "--json")
    doc = json.loads(r.stdout)
    assert doc["start"]["drop_pp"] > float(MAX_DROP), doc["start"]     # int8 activations miss the target
    assert r.returncode == 0, (r.stderr, doc["verdict"])
    moves = [c for c in doc["changes"] if c["move"] == "int16"]
    assert moves and doc["int16_ops"] and doc["every_op_int8"] is False
    assert all(c["precision"] == "int16" for c in moves)
    for c in moves:          # its cost is the bytes measured on its verified export
        assert doc["int16_extra_bytes"][c["layer"]] > 0
    readers = {x for c in moves for x in c["also"]}
    # over the start (whose per-channel scales are the rest of extra_bytes)
    assert doc["best"]["extra_bytes"] - doc["start"]["extra_bytes"] == sum(doc["int16_extra_bytes"][c["layer"]] for c in moves
                                             if c["layer"] not in readers)
    assert doc["confirmed"]["met"] and doc["confirmed"]["verified"]
    tfl = doc["confirmed"]["tflite"]
    graph = read_graph(load_interpreter(tfl, preserve_all=True))
    assert any(t.dtype == "int16" for t in graph.tensors.values())
    rows = {x["name"]: x["precision"] for x in json.loads(run("ranges", out, "--json").stdout)}
    assert {layer for layer, p in rows.items() if p == "int16"} == set(doc["int16_ops"])
    interp = load_interpreter(tfl)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    interp.set_tensor(inp["index"], np.zeros(inp["shape"], inp["dtype"]))
    interp.invoke()
    assert np.isfinite(interp.get_tensor(interp.get_output_details()[0]["index"])).all()
