"""Fuzz every file reader through the CLI: truncated, byte-flipped and random files are a clear error naming
the file (exit 2, no traceback), or, where the damage hits bytes the format does not use, a normal run."""

from __future__ import annotations

import io
import json
import shutil
import zipfile

import numpy as np
import pytest

from nothing_lost_kit import ROOT, copy_of, exports, qftune, workspace

RNG_SEED = 10
TRUNCATE_AT = (0.0, 0.02, 0.3, 0.7, 0.999)
FLIP_AT = (0.001, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 0.999)


def damaged(data: bytes) -> list[tuple[str, bytes]]:
    rng = np.random.default_rng(RNG_SEED)
    out = [(f"truncated at {f:.1%}", data[: int(len(data) * f)]) for f in TRUNCATE_AT]
    for f in FLIP_AT:
        b = bytearray(data)
        b[min(int(len(data) * f), len(data) - 1)] ^= 0x5A
        out.append((f"byte flipped at {f:.1%}", bytes(b)))
    out.append(("random bytes", rng.bytes(len(data) // 4 or 64)))
    out.append(("random bytes after the magic", data[:8] + rng.bytes(4096)))
    return out


def assert_clear(out, path, allow_ok: bool):
    """Exit 2 naming the file without a traceback; exit 0 allowed where the damage may be harmless."""
    assert "Traceback" not in out.stderr and "Exception ignored" not in out.stderr, out.stderr
    if out.returncode == 0 and allow_ok:
        return
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    assert str(path) in out.stderr, out.stderr


def test_session_reader(tmp_path):
    session, _ = workspace(tmp_path)
    good = session.read_bytes()
    n_failed = 0
    for what, data in damaged(good):
        session.write_bytes(data)
        out = qftune("ranges", session)
        assert_clear(out, session, allow_ok=what.startswith("byte flipped"))   # e.g. a zip timestamp
        n_failed += out.returncode != 0
    assert n_failed >= len(TRUNCATE_AT) + 2 + 4     # most flips hit compressed data: CRC or zlib refuse them
    # the case from the issue: a byte inside the compressed session.json ("invalid distance too far back")
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        info = z.getinfo("session.json")
    b = bytearray(good)
    b[info.header_offset + 30 + len(info.filename) + info.compress_size // 2] ^= 0x01
    session.write_bytes(bytes(b))
    out = qftune("ranges", session)
    assert_clear(out, session, allow_ok=False)
    assert "not a readable qftune session" in out.stderr


def test_aimet_reader(tmp_path):
    session, _ = workspace(tmp_path)
    enc = tmp_path / "enc.json"
    assert qftune("encodings", session, "--export", enc).returncode == 0
    good = enc.read_bytes()
    cases = damaged(good) + [("deeply nested", b"[" * 100_000), ("not an object", b"[1, 2]"),
                             ("wrong shapes", json.dumps({"activation_encodings": {"stem": [[1]]}}).encode()),
                             ("latin-1", "{\"é\": 1}".encode("latin-1"))]
    for what, data in cases:
        enc.write_bytes(data)
        before = session.read_bytes()
        out = qftune("encodings", session, "--import", enc)
        assert_clear(out, enc, allow_ok=what.startswith("byte flipped"))   # a digit changed: still valid JSON
        if out.returncode != 0:
            assert session.read_bytes() == before, what


@pytest.fixture(scope="module")
def ex(tmp_path_factory):
    return exports(tmp_path_factory)


def test_tflite_reader_through_evaluate_and_compare(ex, tmp_path):
    good = ex["qf_int8"].read_bytes()
    for i, (what, data) in enumerate(damaged(good)):
        with_report = what.startswith("byte flipped")   # a flip inside weights is only detectable by the checksum
        path = copy_of(ex["qf_int8"], tmp_path / f"c{i}", report=with_report)
        path.write_bytes(data)
        out = qftune("evaluate", path, "--limit", "2")
        assert_clear(out, path, allow_ok=False)
    # compare reads the same files; one structural and one checksum case (it loads TensorFlow each time)
    bare = copy_of(ex["qf_int8"], tmp_path / "bare", report=False)
    bare.write_bytes(good[: len(good) // 2])
    assert_clear(qftune("compare", ex["qf_session"], bare, "-k", "2"), bare, allow_ok=False)
    flipped = copy_of(ex["qf_int8"], tmp_path / "flipped")
    flipped.write_bytes(damaged(good)[len(TRUNCATE_AT) + 3][1])
    assert_clear(qftune("compare", ex["qf_session"], flipped, "-k", "2"), flipped, allow_ok=False)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_model_reader(tmp_path, suffix, capsys):
    """In process (TensorFlow loads once): an exception escaping ``main`` fails the test like a traceback would."""
    import keras

    from core.cli import main

    src = ROOT / "resources" / "models" / "mobilenet_v2_qf_fmnist.keras"
    model = tmp_path / f"m{suffix}"
    if suffix == ".keras":
        shutil.copy(src, model)
    else:
        keras.models.load_model(src, compile=False).save(model)
    good = model.read_bytes()
    cases = damaged(good)
    if suffix == ".h5":   # HDF5 has no checksum over weight data: only structural damage is detectable
        cases = [c for c in cases if not c[0].startswith("byte flipped")]
    for what, data in cases:
        model.write_bytes(data)
        capsys.readouterr()
        rc = main(["evaluate", str(model), "--limit", "2"])
        err = capsys.readouterr().err
        if rc == 0 and what.startswith("byte flipped"):   # zip header bytes outside the CRC
            continue
        assert rc == 2 and str(model) in err, (what, rc, err[-1500:])
