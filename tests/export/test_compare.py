"""compare: SQNR per plan tensor, matched by the plan, worst first."""

import math
import shutil

import numpy as np


def test_sqnr_of_a_tensor_with_itself_is_infinite():
    from core.compare import sqnr_db

    x = np.random.default_rng(0).normal(size=(4, 5, 5, 3))
    assert sqnr_db(x, x) == math.inf
    assert math.isfinite(sqnr_db(x, x + 0.01)) and sqnr_db(x, x + 0.01) > sqnr_db(x, x + 0.1)


def test_compare_int8_against_float(qf_model, qf_session, exported_pc, eval_small, tmp_path):
    from core.compare import compare

    path, report = exported_pc
    images = eval_small.limit(4).images
    rows = compare(qf_model, qf_session.plan.tensors, path, images)
    assert len(rows) == len(qf_session.plan)
    sq = [r.sqnr_db for r in rows]
    assert sq == sorted(sq)                       # worst first
    by_name = {r.name: r for r in rows}
    assert by_name["image"].sqnr_db > 60          # pixel/255 is exact on the int8 input grid
    assert all(math.isfinite(r.sqnr_db) for r in rows if r.name != "image")
    assert {r.name: r.tflite_index for r in rows} == report.tflite_index
    # without the export report the tensors are matched by graph structure, to the same indices
    bare = tmp_path / "bare.tflite"
    shutil.copy(path, bare)
    rows2 = compare(qf_model, qf_session.plan.tensors, bare, images)
    assert {r.name: r.tflite_index for r in rows2} == report.tflite_index
    assert [r.sqnr_db for r in rows2] == sq
