"""AIMET encodings: export -> import round trip, offset convention, refusals."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from core.aimet import EncodingsError, export_encodings, import_encodings, to_aimet

sys.path.insert(0, str(Path(__file__).parent))
from test_plan import make_plan  # noqa: E402


def test_export_follows_the_aimet_layout_and_tflite_zero_point():
    p = make_plan()
    doc = to_aimet(p)
    assert doc["version"] == "0.6.1" and doc["param_encodings"] == {}
    for e in p:
        (enc,) = doc["activation_encodings"][e.name]
        assert enc["bitwidth"] == 8 and enc["dtype"] == "int" and enc["is_symmetric"] == "False"
        assert enc["min"] == e.min and enc["max"] == e.max and enc["scale"] == e.scale
        assert enc["offset"] == round(e.min / e.scale)
        assert e.zero_point == -128 - enc["offset"]


def test_round_trip_through_a_file_restores_every_range(tmp_path):
    src = make_plan()
    src.set_range("proj", -0.7, 1.9)
    export_encodings(src, tmp_path / "enc.json")
    dst = make_plan("minmax")
    result = import_encodings(dst, tmp_path / "enc.json")
    for a, b in zip(src, dst, strict=True):
        assert (b.zero_point, b.scale, b.min, b.max) == (a.zero_point, a.scale, a.min, a.max), a.name
    assert ("softmax", result.skipped[0][0]) == ("softmax", "softmax")   # locked: kept fixed, listed
    result.change.revert()
    assert dst["proj"].method == "minmax"


def test_import_by_keras_layer_name_and_scale_offset_only():
    p = make_plan()
    doc = {"activation_encodings": {"conv_relu": [{"bitwidth": 8, "offset": 0, "scale": 0.01}]}}
    import_encodings(p, doc)
    assert p["conv"].method == "user" and p["pool"].method == "user"   # tied group moved too
    assert p["conv"].max == pytest.approx(2.55, rel=1e-6) and p["conv"].min == 0.0


def test_unknown_tensors_refuse_the_whole_import_unless_skipped():
    p = make_plan()
    doc = {"activation_encodings": {"proj": [{"min": -1.0, "max": 1.0}], "ghost": [{"min": 0, "max": 1}]}}
    with pytest.raises(EncodingsError, match="ghost.*nothing imported"):
        import_encodings(p, doc)
    assert p["proj"].method == "greedy"
    r = import_encodings(p, doc, skip_unknown=True)
    assert r.imported == ["proj"] and ("ghost", "no such tensor in the model") in r.skipped


@pytest.mark.parametrize("enc,msg", [
    ([{"bitwidth": 16, "min": 0, "max": 1}], "bitwidth 16"),
    ([{"min": 1, "max": 0}], "invalid range"),
    ([{"min": 0, "max": 1}, {"min": 0, "max": 2}], "per-channel"),
    ([{"foo": 1}], "neither min/max"),
])
def test_bad_entries_name_the_tensor(enc, msg):
    with pytest.raises(EncodingsError, match=f"proj.*{msg}|{msg}"):
        import_encodings(make_plan(), {"activation_encodings": {"proj": enc}})


def test_not_an_encodings_file(tmp_path):
    f = tmp_path / "x.json"
    f.write_text(json.dumps({"hello": 1}))
    with pytest.raises(EncodingsError, match="activation_encodings"):
        import_encodings(make_plan(), f)
    f.write_text("{broken")
    with pytest.raises(EncodingsError, match="not valid JSON"):
        import_encodings(make_plan(), f)
