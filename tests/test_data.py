"""Dataset specs on data the tests make, the embedded set, and every bad input."""

import gzip
import pickle
import time

import numpy as np
import pytest
from PIL import Image

from core.data import BadImageError, load_dataset, to_model_input
from core.data.fashion_mnist import DEFAULT_PATH
from core.models.convention import PIXEL_RAW


def _write_idx(path, array):
    codes = {np.uint8: 0x08}
    header = bytes([0, 0, codes[array.dtype.type], array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


@pytest.fixture
def idx_folder(tmp_path, rng):
    for split, n in (("train", 30), ("t10k", 20)):
        _write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        _write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))
    return tmp_path


def test_embedded_splits_and_load_time():
    t = time.perf_counter()
    calib = load_dataset("embedded")
    evals = load_dataset("embedded", default_split="test")
    elapsed = time.perf_counter() - t
    assert calib.images.shape == (100, 28, 28, 1) and calib.images.dtype == np.uint8
    assert np.bincount(calib.labels).tolist() == [10] * 10
    assert len(evals) == 2000 and evals.num_classes == 10
    assert load_dataset("embedded:eval").source == "embedded:eval"
    assert elapsed < 5  # generous; the 0.5 s goal is measured in bench/bench_data.py


def test_embedded_is_real_fashion_mnist():
    if not DEFAULT_PATH.exists():
        pytest.skip("Debian's dataset-fashion-mnist not installed")
    train = load_dataset("fashion-mnist:train")
    calib = load_dataset("embedded:calib")
    # every embedded calibration image is a training image with the same label
    index = {train.images[i].tobytes(): train.labels[i] for i in range(len(train))}
    assert all(index[im.tobytes()] == lab for im, lab in zip(calib.images, calib.labels, strict=True))


def test_fashion_mnist_from_path(idx_folder):
    train = load_dataset("fashion-mnist", path=idx_folder)
    test = load_dataset("fashion-mnist:test", path=idx_folder)
    assert train.images.shape == (30, 28, 28, 1) and len(test) == 20
    assert train.class_names[0] == "T-shirt/top"


def test_fashion_mnist_bad_inputs(idx_folder, tmp_path):
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        load_dataset("fashion-mnist:valid", path=idx_folder)
    with pytest.raises(FileNotFoundError, match="no such folder"):
        load_dataset("fashion-mnist", path=tmp_path / "absent")
    (idx_folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte.gz: not found"):
        load_dataset("fashion-mnist:test", path=idx_folder)
    with gzip.open(idx_folder / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(bytes([0, 0, 8, 3]) + (30).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + b"\0" * 100)
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: IDX header says"):
        load_dataset("fashion-mnist", path=idx_folder)


@pytest.fixture
def image_tree(tmp_path, rng):
    root = tmp_path / "imgs"
    for cls in ("cat", "ant", "bee"):
        (root / cls).mkdir(parents=True)
        for i in range(3):
            arr = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
            Image.fromarray(arr).save(root / cls / f"{i}.{'png' if i % 2 else 'jpg'}")
    return root


def test_folder_classes_are_sorted_names(image_tree):
    data = load_dataset(f"folder:{image_tree}")
    assert data.class_names == ["ant", "bee", "cat"]
    assert np.bincount(data.labels).tolist() == [3, 3, 3]
    x, y = next(data.batches(32, 3, PIXEL_RAW, batch_size=16))
    assert x.shape == (9, 32, 32, 3) and x.dtype == np.float32 and y.tolist() == data.labels.tolist()


def test_folder_corrupt_file_named_and_skipped_only_on_request(image_tree):
    bad = image_tree / "bee" / "broken.jpg"
    bad.write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(BadImageError, match="broken.jpg: not a readable image"):
        list(load_dataset(f"folder:{image_tree}").batches(32, 3, PIXEL_RAW))
    warnings = []
    data = load_dataset(f"folder:{image_tree}", skip_bad=True, warn=warnings.append)
    n = sum(len(y) for _, y in data.batches(32, 3, PIXEL_RAW, batch_size=4))
    assert n == 9 and "broken.jpg" in warnings[0] and data.skipped == [str(bad)]


def test_folder_empty_class_and_missing_path(image_tree, tmp_path):
    (image_tree / "dog").mkdir()
    with pytest.raises(ValueError, match="dog: class folder has no images"):
        load_dataset(f"folder:{image_tree}")
    with pytest.raises(FileNotFoundError, match="nowhere: no such folder"):
        load_dataset(f"folder:{tmp_path / 'nowhere'}")
    with pytest.raises(ValueError, match="folder spec needs a path"):
        load_dataset("folder:")


def test_cifar10_batches(tmp_path, rng):
    root = tmp_path / "cifar-10-batches-py"
    root.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(root / name, "wb") as f:
            pickle.dump({b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), b"labels": [0, 1, 2, 3]}, f)
    with open(root / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog",
                                      b"horse", b"ship", b"truck"]}, f)
    train = load_dataset(f"cifar10:{root}")
    test = load_dataset(f"cifar10:{root}:test")
    assert train.images.shape == (20, 32, 32, 3) and len(test) == 4
    assert train.class_names[1] == "automobile"
    (root / "test_batch").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="test_batch: not a CIFAR-10 python batch"):
        load_dataset(f"cifar10:{root}:test")


def test_unknown_spec():
    with pytest.raises(ValueError, match="unknown dataset spec 'mnist'"):
        load_dataset("mnist")
    with pytest.raises(ValueError, match="imagenet spec needs a path"):
        load_dataset("imagenet")


def test_preprocessing_adapts_size_and_channels(rng):
    rgb = rng.integers(0, 256, (2, 40, 40, 3), dtype=np.uint8)
    x = to_model_input(rgb, (None, 28, 28, 1))
    assert x.shape == (2, 28, 28, 1) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    gray = rng.integers(0, 256, (2, 28, 28, 1), dtype=np.uint8)
    np.testing.assert_array_equal(to_model_input(gray, (None, 28, 28, 1)), gray / np.float32(255))
    assert to_model_input(gray, (None, 32, 32, 3)).shape == (2, 32, 32, 3)
