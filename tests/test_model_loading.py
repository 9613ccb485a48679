"""Loading user models: every failure names the file and the problem."""

import numpy as np
import pytest

from core.checksum import sha256_file as file_hash
from core.models import build
from core.models.loading import ModelLoadError, check_input_compatible, load_model


@pytest.fixture(scope="module")
def small_model():
    return build("mobilenet-v2", width=0.25)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_round_trip_keeps_outputs(small_model, tmp_path, suffix):
    path = tmp_path / f"m{suffix}"
    small_model.save(path)
    loaded = load_model(path)
    x = np.random.default_rng(1).random((3, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(loaded(x).numpy(), small_model(x).numpy(), atol=1e-6)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.keras"):
        load_model(tmp_path / "nope.keras")


def test_not_a_model(tmp_path):
    bad = tmp_path / "notes.keras"
    bad.write_text("hello")
    with pytest.raises(ModelLoadError, match=r"notes\.keras: not a Keras model"):
        load_model(bad)
    h5 = tmp_path / "notes.h5"
    h5.write_text("hello")
    with pytest.raises(ModelLoadError, match=r"notes\.h5: not an HDF5 file"):
        load_model(h5)


def test_truncated_file(small_model, tmp_path):
    path = tmp_path / "m.keras"
    small_model.save(path)
    data = path.read_bytes()
    cut = tmp_path / "cut.keras"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError, match="cut.keras"):
        load_model(cut)


def test_unknown_format_and_savedmodel_dir(tmp_path):
    other = tmp_path / "m.onnx"
    other.write_bytes(b"\x08\x01")
    with pytest.raises(ModelLoadError, match="unknown model format .onnx"):
        load_model(other)
    d = tmp_path / "sm"
    d.mkdir()
    with pytest.raises(ModelLoadError, match="not a SavedModel"):
        load_model(d)
    (d / "saved_model.pb").write_bytes(b"x")
    with pytest.raises(ModelLoadError, match="save it as .keras"):
        load_model(d)


def test_input_shape_the_data_cannot_feed(small_model):
    check_input_compatible(small_model, (28, 28, 1))
    check_input_compatible(small_model, (32, 32, 3))  # RGB -> gray is preprocessing's job
    rgb_model = build("mobilenet-v2", width=0.25, input_channels=3)
    with pytest.raises(ModelLoadError, match=r"cannot be fed .* \(2 channels -> 3\)"):
        check_input_compatible(rgb_model, (28, 28, 2), "folder:x")


def test_file_hash_changes_with_content(tmp_path):
    a = tmp_path / "a.bin"
    a.write_bytes(b"1")
    h1 = file_hash(a)
    a.write_bytes(b"2")
    assert file_hash(a) != h1
