"""The streaming image sources: file lists, the evaluation transform, bad files, selection without decoding."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.data import BadImageError, load_dataset
from core.models.convention import PIXEL_01, PIXEL_PM1, PIXEL_RAW
from core.progress import Cancelled, Progress

SYNSETS = ["n01440764", "n01443537", "n01484850", "n15075141"]   # keras.applications indices 0, 1, 2, 999


def _save(path, arr):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)


def _pixels(src, size=32, channels=3, batch_size=8):
    parts = [x for x, _ in src.batches(size, channels, PIXEL_RAW, batch_size=batch_size)]
    return np.concatenate(parts)


def test_synset_folders_are_keras_applications_order(tmp_path, rng):
    """imagenet: label = keras.applications' output index (n15075141 = 999); folder: = sorted folders."""
    root = tmp_path / "ILSVRC2012"
    for s in reversed(SYNSETS):
        for i in range(2):
            _save(root / "train" / s / f"{s}_{i}.JPEG", rng.integers(0, 256, (40, 50, 3), dtype=np.uint8))
    _save(root / "train" / ".cache" / "x.jpg", np.zeros((8, 8, 3), np.uint8))
    for spec in (f"imagenet:{root}", f"imagenet:{root}:train", f"folder:{root / 'train'}"):
        src = load_dataset(spec, "train")
        imagenet = spec.startswith("imagenet:")
        assert len(src.class_names) == (1000 if imagenet else 4), spec
        paths, labels = src.files()
        assert all(src.class_names[y] in p for p, y in zip(paths, labels, strict=True))
        assert labels.tolist() == ([0, 0, 1, 1, 2, 2, 999, 999] if imagenet else [0, 0, 1, 1, 2, 2, 3, 3])


def _flat_val(root, rng, n=6):
    val = root / "val"
    truth = [SYNSETS[i % 3] for i in range(n)]
    for i in range(n):
        _save(val / f"ILSVRC2012_val_{i + 1:08d}.JPEG", rng.integers(0, 256, (30, 30, 3), dtype=np.uint8))
    return val, truth


def test_flat_validation_folder_with_each_ground_truth_file(tmp_path, rng):
    root = tmp_path / "imagenet"
    val, truth = _flat_val(root, rng)
    expected = [sorted(set(truth)).index(s) for s in truth]
    with pytest.raises(FileNotFoundError, match="needs a ground-truth file"):
        load_dataset(f"imagenet:{root}:val")
    # Kaggle's LOC_val_solution.csv (rows in any order)
    rows = [f"ILSVRC2012_val_{i + 1:08d},{s} 1 2 3 4 {s} 5 6 7 8" for i, s in enumerate(truth)]
    (root / "LOC_val_solution.csv").write_text("ImageId,PredictionString\n" + "\n".join(reversed(rows)) + "\n")
    src = load_dataset(f"imagenet:{root}", "test")
    assert src.labels.tolist() == expected and src.source.endswith(":val")
    (root / "LOC_val_solution.csv").unlink()
    # TF-slim's per-image synset list
    (root / "imagenet_2012_validation_synset_labels.txt").write_text("\n".join(truth) + "\n")
    assert load_dataset(f"imagenet:{val}", "test").labels.tolist() == expected
    (root / "imagenet_2012_validation_synset_labels.txt").unlink()
    # the devkit: ILSVRC2012_IDs + the synsets in ID order (not sorted)
    by_id = ["n01484850", "n01440764", "n01443537"]
    (root / "ILSVRC2012_validation_ground_truth.txt").write_text("\n".join(str(by_id.index(s) + 1) for s in truth))
    with pytest.raises(FileNotFoundError, match="ILSVRC2012_synsets.txt"):
        load_dataset(f"imagenet:{root}:val")
    (root / "ILSVRC2012_synsets.txt").write_text("\n".join(sorted(by_id)))
    with pytest.raises(ValueError, match="sorted order"):
        load_dataset(f"imagenet:{root}:val")
    (root / "ILSVRC2012_synsets.txt").write_text("\n".join(by_id))
    assert load_dataset(f"imagenet:{root}:val").labels.tolist() == expected


def test_hidden_folders_and_files_are_not_classes_or_images(tmp_path, rng):
    root = tmp_path / "data"
    for cls in ("a", "b"):
        for i in range(2):
            _save(root / cls / f"{i}.png", rng.integers(0, 256, (20, 20, 3), dtype=np.uint8))
    _save(root / ".cache" / "thumb.png", np.zeros((4, 4, 3), np.uint8))
    (root / "a" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / "a" / "notes.txt").write_text("not an image")
    src = load_dataset(f"folder:{root}")
    assert src.class_names == ["a", "b"] and len(src) == 4
    assert _pixels(src).shape == (4, 32, 32, 3)


def test_16bit_png_is_scaled_not_clipped(tmp_path):
    root = tmp_path / "d"
    (root / "c").mkdir(parents=True)
    gray = np.full((40, 40), 128 * 257, np.uint16)
    gray[:, 20:] = 64 * 257
    Image.fromarray(gray).save(root / "c" / "g16.png")
    assert Image.open(root / "c" / "g16.png").mode == "I;16"
    x = _pixels(load_dataset(f"folder:{root}"), size=35)
    assert x.shape == (1, 35, 35, 3)
    assert x[0, :, :10].min() == x[0, :, :10].max() == 128      # left half, away from the edge
    assert x[0, :, -10:].min() == x[0, :, -10:].max() == 64


def test_float_tiff_refused_by_path_and_8bit_tiff_read(tmp_path, rng):
    root = tmp_path / "d"
    _save(root / "c" / "ok.tif", np.full((30, 30, 3), 90, np.uint8))
    Image.fromarray(np.full((30, 30), 0.5, np.float32)).save(root / "c" / "zfloat.tif")
    with pytest.raises(BadImageError, match=r"zfloat\.tif: not a readable image \(float image"):
        _pixels(load_dataset(f"folder:{root}"))
    warned = []
    src = load_dataset(f"folder:{root}", skip_bad=True, warn=warned.append)
    x = _pixels(src)
    assert len(x) == 1 and x.min() == x.max() == 90
    assert src.skipped == [str(root / "c" / "zfloat.tif")] and "zfloat.tif" in warned[0]


def test_each_image_is_transformed_on_its_own(tmp_path, rng):
    """A 1x1 and a huge image beside normal ones: every batch is the model's size, the others unchanged."""
    root = tmp_path / "d"
    img = np.zeros((64, 64, 3), np.uint8)
    img[:, 32:] = 255
    _save(root / "c" / "b.png", img)
    alone = _pixels(load_dataset(f"folder:{root}"), size=56)
    _save(root / "c" / "!thumb.png", np.full((1, 1, 3), 7, np.uint8))
    _save(root / "c" / "a_huge.png", np.full((2500, 3000, 3), 200, np.uint8))
    both = _pixels(load_dataset(f"folder:{root}"), size=56)
    assert both.shape == (3, 56, 56, 3)
    assert both[0].min() == both[0].max() == 7 and both[1].min() == both[1].max() == 200
    np.testing.assert_array_equal(both[2], alone[0])
    # the standard transform: shorter side to 56 / 0.875 = 64, central 56 crop: columns 4..59 of the 64
    np.testing.assert_array_equal(alone[0][:, :28], 0)
    np.testing.assert_array_equal(alone[0][:, 28:], 255)


def test_per_class_and_limit_decode_only_the_chosen_files(tmp_path, rng):
    root = tmp_path / "d"
    for cls in ("a", "b", "c"):
        _save(root / cls / "0.png", rng.integers(0, 256, (20, 20, 3), dtype=np.uint8))
        for i in range(1, 4):
            (root / cls / f"{i}.jpg").write_bytes(b"\xff\xd8 broken")   # never chosen
    src = load_dataset(f"folder:{root}")
    chosen = src.per_class(1)
    assert [p.rsplit("/", 2)[-2:] for p in chosen.files()[0]] == [["a", "0.png"], ["b", "0.png"], ["c", "0.png"]]
    assert _pixels(chosen).shape == (3, 32, 32, 3)
    assert _pixels(src.limit(1)).shape == (1, 32, 32, 3)
    with pytest.raises(BadImageError, match="1.jpg"):
        _pixels(src.limit(2))


def test_per_class_is_fast_on_a_million_labels():
    import time

    from core.data.source import per_class_index

    labels = np.repeat(np.arange(1000), 1280)
    t = time.perf_counter()
    idx = per_class_index(labels, 1000, 1)
    assert time.perf_counter() - t < 2.0
    assert idx.tolist() == list(range(0, 1280 * 1000, 1280))
    seeded = per_class_index(labels, 1000, 2, seed=3)
    assert np.bincount(labels[seeded]).tolist() == [2] * 1000


def test_conventions_and_channels(tmp_path):
    root = tmp_path / "d"
    _save(root / "c" / "rgb.png", np.tile(np.array([255, 0, 0], np.uint8), (40, 40, 1)))
    src = load_dataset(f"folder:{root}")
    x01 = _pixels(src)
    (pm1, _), = list(src.batches(32, 3, PIXEL_PM1))
    np.testing.assert_allclose(pm1[0, 0, 0], [1.0, -1.0, -1.0])
    (gray, _), = list(src.batches(32, 1, PIXEL_01))
    assert gray.shape == (1, 32, 32, 1) and abs(gray[0, 0, 0, 0] - round(0.299 * 255) / 255) < 1e-6
    assert x01[0, 0, 0].tolist() == [255, 0, 0]
    # in-memory sets go through the same interface
    emb = load_dataset("embedded").per_class(1)
    (x, y), = list(emb.batches(28, 1, PIXEL_01, batch_size=32))
    np.testing.assert_allclose(x, emb.images / np.float32(255), rtol=1e-6)
    assert emb.files() is None and src.files() is not None and sorted(y.tolist()) == list(range(10))


def test_cancel_stops_between_batches(tmp_path, rng):
    root = tmp_path / "d"
    for i in range(40):
        _save(root / "c" / f"{i:02d}.png", rng.integers(0, 256, (20, 20, 3), dtype=np.uint8))
    seen = []

    def cb(done, total, msg):
        seen.append((done, msg))
        if done >= 4:
            progress.cancel()

    progress = Progress(cb)
    with pytest.raises(Cancelled):
        for _ in load_dataset(f"folder:{root}").batches(16, 3, PIXEL_01, batch_size=4, progress=progress):
            pass
    assert max(d for d, _ in seen) == 4 and "images/s" in seen[-1][1] and "ETA" in seen[-1][1]


def test_the_file_pipeline_runs_without_tf_data_autotuning_and_keeps_file_order(tmp_path, rng):
    """tf.data's autotuning thread must finish before the iterator is freed; at the end of a pass it held
    the caller 4-5 s in about one calibration out of three (224 px, 200 images; docs/data.md). The pipeline
    has fixed sizes (one decoder per core, two batches ahead), so it is built without it, and the images
    still come out in file order."""
    shades = rng.permutation(np.arange(0, 240, 20))[:11]      # one flat colour per file: the crop keeps it
    for i, v in enumerate(shades):
        _save(tmp_path / "c" / f"{i:02d}.png", np.full((20, 24, 3), v, np.uint8))
    src = load_dataset(f"folder:{tmp_path}")
    assert src.dataset(16, 3, PIXEL_RAW, batch_size=4).options().autotune.enabled is False
    x = _pixels(src, size=16, batch_size=4)
    assert x.shape == (11, 16, 16, 3)
    assert x.min(axis=(1, 2, 3)).tolist() == x.max(axis=(1, 2, 3)).tolist() == shades.astype(float).tolist()
