"""The streaming training input: folder listing, per-worker sharding, augmentation, the model's convention."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from core.models.convention import PIXEL_01, PIXEL_PM1
from core.training.input import open_training_data


def _folder(root, n_per_class, size, value=lambda c, i: 0):
    for c, name in enumerate(("b_class", "a_class")):
        (root / name).mkdir(parents=True)
        for i in range(n_per_class):
            Image.fromarray(np.full((size, size, 3), value(c, i), np.uint8)).save(root / name / f"{i:03d}.png")
    return root


def test_folder_listing_sorted_classes_hidden_and_non_images_ignored(tmp_path):
    root = _folder(tmp_path / "d", 3, 16)
    (root / ".cache").mkdir()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(root / ".cache" / "x.png")
    (root / "a_class" / "notes.txt").write_text("not an image")
    (root / "a_class" / ".hidden.png").write_bytes(b"")
    data = open_training_data(f"folder:{root}")
    assert data.class_names == ["a_class", "b_class"] and len(data) == 6 and data.streaming
    assert all(("a_class" in p) == (label == 0) for p, label in zip(data.paths, data.labels, strict=True))


def test_imagenet_spec_uses_the_train_folder(tmp_path):
    train = _folder(tmp_path / "ilsvrc" / "train", 2, 16)
    for name, synset in (("a_class", "n01440764"), ("b_class", "n01443537")):
        (train / name).rename(train / synset)
    data = open_training_data(f"imagenet:{tmp_path / 'ilsvrc'}")
    assert len(data) == 4 and data.source.endswith("train")


def test_two_workers_see_disjoint_halves_of_the_files(tmp_path):
    # image k (0..15) is filled with the value 10*k, so a batch tells which files it came from
    root = _folder(tmp_path / "d", 8, 8, value=lambda c, i: 10 * (8 * c + i))
    data = open_training_data(f"folder:{root}")
    seen = []
    for worker in range(2):
        ctx = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=worker, num_replicas_in_sync=2)
        ds = data.dataset(ctx, global_batch=4, size=8, convention=PIXEL_01, augment=False, seed=0)
        assert ds.element_spec[0].shape[0] == 2          # per-replica batch = global / replicas
        values = {int(round(float(x[0, 0, 0, 0]) * 255)) for x, _ in ds.unbatch().batch(1).take(8)}
        seen.append(values)
    assert len(seen[0]) == 8 and len(seen[1]) == 8 and not seen[0] & seen[1]
    assert seen[0] | seen[1] == {10 * k for k in range(16)}


def test_imagenet_sized_inputs_get_a_random_resized_crop_in_the_models_convention(tmp_path):
    root = _folder(tmp_path / "d", 4, 128, value=lambda c, i: 255 * c)
    data = open_training_data(f"folder:{root}")
    assert data.native_size == 128 and data.channels == 3
    x, y = next(iter(data.dataset(None, global_batch=8, size=96, convention=PIXEL_PM1, augment=True, seed=0)))
    assert x.shape == (8, 96, 96, 3) and x.dtype == tf.float32
    x = x.numpy()
    assert x.min() >= -1.0 and x.max() <= 1.0
    for image, label in zip(x, y.numpy(), strict=True):           # constant images: every crop keeps the class's value
        assert np.allclose(image, -1.0 if label == 1 else 1.0, atol=1e-5)


def test_unreadable_sample_named(tmp_path):
    root = _folder(tmp_path / "d", 2, 8)
    (root / "a_class" / "000.png").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="000.png: not a readable image"):
        open_training_data(f"folder:{root}")
