"""Issue 20 §4: ``encodings --import`` with a tensor listed twice kept the second silently; it is refused by name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cli_kit import clean_error, run

ROOT = Path(__file__).resolve().parents[1]
SESSION = ROOT / "resources" / "sessions" / "mobilenet_v2_qf_fmnist.qft"


def _ranges(session) -> dict:
    out = run("ranges", session, "--json")
    assert out.returncode == 0, out.stderr
    return {r["name"]: r for r in json.loads(out.stdout)}


def _enc(lo, hi) -> str:
    return json.dumps([{"bitwidth": 8, "dtype": "int", "is_symmetric": "False", "min": lo, "max": hi}])


def test_a_tensor_listed_twice_is_refused_naming_it(tmp_path):
    session = tmp_path / "s.qft"
    shutil.copy(SESSION, session)
    before = session.read_bytes()
    text = ('{"version": "0.6.1", "activation_encodings": {'
            f'"stem": {_enc(-1.0, 9.18)}, "block0_dw": {_enc(-1.0, 3.0)}, "stem": {_enc(-1.0, 5.18)}'
            '}, "param_encodings": {}}')
    f = tmp_path / "dup.json"
    f.write_text(text)
    err = clean_error(run("encodings", session, "--import", f), "dup.json", "'stem'", "listed twice", "9.18", "5.18")
    assert "nothing imported" in err
    assert session.read_bytes() == before


def test_a_duplicate_key_inside_an_encoding_is_refused(tmp_path):
    session = tmp_path / "s.qft"
    shutil.copy(SESSION, session)
    f = tmp_path / "dup_max.json"
    f.write_text('{"activation_encodings": {"stem": [{"bitwidth": 8, "min": -1.0, "max": 9.18, "max": 5.18}]}}')
    clean_error(run("encodings", session, "--import", f), "dup_max.json", "'max'", "twice")
    assert _ranges(session)["stem"]["method"] != "user"


def test_a_tensor_named_twice_by_its_name_and_its_layer_is_refused(tmp_path):
    session = tmp_path / "s.qft"
    shutil.copy(SESSION, session)
    from core.session import Session

    plan = Session.load(session, verify_model=False).plan
    entry = next((e for e in plan if e.tensor.output_layer != e.name and not plan.locked_reason(e.name)), None)
    assert entry is not None, "the bundled QF session has tensors whose Keras layer has another name"
    f = tmp_path / "alias.json"
    f.write_text(json.dumps({"activation_encodings": {entry.name: json.loads(_enc(-1.0, 4.0)),
                                                      entry.tensor.output_layer: json.loads(_enc(-1.0, 2.0))}}))
    clean_error(run("encodings", session, "--import", f), "alias.json", repr(entry.name), "listed twice",
                repr(entry.tensor.output_layer))
