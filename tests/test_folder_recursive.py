"""``folder:`` takes a class folder's images from its sub-folders too, like Keras's
``image_dataset_from_directory`` and torchvision's ``ImageFolder``."""

from __future__ import annotations

import numpy as np
from PIL import Image

from cli_kit import run
from core.data.folder import list_tree
from core.session import Session


def _png(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((28, 28), value, np.uint8)).save(path)


def _tree(root):
    _png(root / "cat" / "2021" / "a.png", 10)        # only in a sub-folder: refused as empty before
    _png(root / "cat" / "2022" / "deep" / "b.png", 20)
    _png(root / "cat" / ".cache" / "hidden.png", 30)  # hidden folders are not walked
    _png(root / "dog" / "c.png", 40)
    _png(root / "dog" / "more" / "d.png", 50)
    return root


def test_images_in_sub_folders_belong_to_their_class(tmp_path):
    root = _tree(tmp_path / "tree")
    paths, labels, classes = list_tree(root)
    rel = [str(p)[len(str(root)) + 1:].replace("\\", "/") for p in paths]
    assert classes == ["cat", "dog"]
    assert rel == ["cat/2021/a.png", "cat/2022/deep/b.png", "dog/c.png", "dog/more/d.png"]
    assert labels.tolist() == [0, 0, 1, 1]


def test_calibrate_reads_a_tree_whose_class_images_sit_in_sub_folders(tmp_path):
    from core.models import build

    model = tmp_path / "tiny.keras"
    build("mobilenet-v2", width=0.35, classes=2).save(model)
    out = tmp_path / "s.qft"
    r = run("calibrate", model, "--data", f"folder:{_tree(tmp_path / 'tree')}", "--per-class", "2",
            "--method", "minmax", "--out", out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert Session.load(out).calibration["n_images"] == 4
