"""Labels meet the model's outputs: imagenet: subsets keep keras.applications' 1,000-class order,
every class-count or shape mismatch is refused with both sides named, --class-map maps explicitly."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from cli_kit import clean_error, run
from core.resources import resource_path

KERAS = resource_path("imagenet_classes.txt").read_text().split()   # the list qftune ships
TWO = ["n01440764", "n15075141"]                                          # outputs 0 and 999
TEN = [KERAS[i] for i in (0, 1, 100, 207, 340, 500, 640, 817, 950, 999)]


def test_the_shipped_list_is_keras_applications_order():
    assert len(KERAS) == len(set(KERAS)) == 1000
    assert KERAS[0] == "n01440764" and KERAS[999] == "n15075141"
    assert KERAS == sorted(KERAS)    # keras' imagenet_class_index.json order is the sorted synsets


def _grey(synset: str) -> int:
    """The grey level of every image of ``synset`` in these trees (the model below reads it back)."""
    return 20 + 22 * TEN.index(synset) if synset in TEN else 240


def _save(path, level: int):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((20, 20, 3), level, np.uint8)).save(path, quality=100)


def _synset_tree(root, synsets, per_class=2):
    for s in synsets:
        for i in range(per_class):
            _save(root / "val" / s / f"{s}_{i}.JPEG", _grey(s))
    return root


def _nearest_grey_model(path, classes: int = 1000, size: int = 16):
    """A classifier whose output j is largest for images of synset KERAS[j]'s grey level:
    score_j = 2 c_j x - c_j**2 (= x**2 - (x - c_j)**2), x = the mean pixel / 255."""
    import keras

    inp = keras.Input((size, size, 3))
    out = keras.layers.Dense(classes)(keras.layers.GlobalAveragePooling2D()(inp))
    model = keras.Model(inp, out)
    w = np.zeros((3, classes), np.float32)
    b = np.full(classes, -100.0, np.float32)
    for s in TEN:
        j = KERAS.index(s)
        if j < classes:
            c = _grey(s) / 255.0
            w[:, j] = 2 * c / 3
            b[j] = -c * c
    model.layers[-1].set_weights([w, b])
    model.save(path)
    return path


@pytest.fixture(scope="module")
def model_1000(tmp_path_factory):
    return _nearest_grey_model(tmp_path_factory.mktemp("m") / "m1000.keras")


def _evaluate(model, data, *extra):
    out = run("evaluate", model, "--data", data, "--json", *extra)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("synsets", [TWO, TEN], ids=["2-synsets", "10-synsets"])
def test_synset_folder_subset_is_scored_against_the_1000_class_list(tmp_path, model_1000, synsets):
    root = _synset_tree(tmp_path / "ILSVRC2012", synsets)
    r = _evaluate(model_1000, f"imagenet:{root}")
    assert r["n_images"] == 2 * len(synsets)
    assert r["top1"] == 1.0                         # before: labels were positions among the synsets present
    assert r["class_index"] == {s: KERAS.index(s) for s in synsets}
    assert set(r["per_class"]) == set(synsets) and all(v == 1.0 for v in r["per_class"].values())
    text = run("evaluate", model_1000, "--data", f"imagenet:{root}").stdout
    assert "n15075141 [999] 100.0%" in text and "n01440764 [0] 100.0%" in text


def test_flat_validation_subset_is_scored_against_the_1000_class_list(tmp_path, model_1000):
    root = tmp_path / "imagenet"
    truth = [TWO[i % 2] for i in range(4)]
    for i, s in enumerate(truth):
        _save(root / "val" / f"ILSVRC2012_val_{i + 1:08d}.JPEG", _grey(s))
    (root / "imagenet_2012_validation_synset_labels.txt").write_text("\n".join(truth) + "\n")
    r = _evaluate(model_1000, f"imagenet:{root}:val")
    assert r["top1"] == 1.0 and r["class_index"] == {"n01440764": 0, "n15075141": 999}


def test_unknown_synset_is_named(tmp_path, model_1000):
    root = tmp_path / "imagenet"
    for i in range(2):
        _save(root / "val" / f"ILSVRC2012_val_{i + 1:08d}.JPEG", 20)
    (root / "imagenet_2012_validation_synset_labels.txt").write_text("n01440764\nn99999999\n")
    clean_error(run("evaluate", model_1000, "--data", f"imagenet:{root}:val"),
                "n99999999", "imagenet_2012_validation_synset_labels.txt", "1,000 ImageNet classes")
    tree = _synset_tree(tmp_path / "tree", ["n01440764", "n99999999"], per_class=1)
    clean_error(run("evaluate", model_1000, "--data", f"imagenet:{tree}"), "n99999999", "1,000 ImageNet classes")


def test_class_count_mismatch_is_refused_with_both_counts(tmp_path, model_1000):
    root = _synset_tree(tmp_path / "ILSVRC2012", TWO)
    model_10 = _nearest_grey_model(tmp_path / "m10.keras", classes=10)
    clean_error(run("evaluate", model_10, "--data", f"imagenet:{root}"), "10 outputs", "1000 classes",
                "keras.applications' 1,000-class list")
    clean_error(run("evaluate", model_1000, "--data", "embedded:eval", "--limit", "8"),
                "1000 outputs", "embedded:eval has 10 classes")
    folder = _synset_tree(tmp_path / "folder", TEN[:3], per_class=1) / "val"
    clean_error(run("evaluate", model_1000, "--data", f"folder:{folder}"), "1000 outputs", "3 classes",
                "sorted class folder", "--class-map")


def test_tflite_class_count_mismatch_is_refused(tmp_path):
    import keras
    import tensorflow as tf

    model = _nearest_grey_model(tmp_path / "m10.keras", classes=10)
    tfl = tmp_path / "m10.tflite"
    tfl.write_bytes(tf.lite.TFLiteConverter.from_keras_model(keras.models.load_model(model)).convert())
    root = _synset_tree(tmp_path / "ILSVRC2012", TWO, per_class=1)
    clean_error(run("evaluate", tfl, "--data", f"imagenet:{root}"), "m10.tflite", "10 outputs", "1000 classes")


def test_class_map_names_the_model_outputs(tmp_path):
    """A 3-output model trained on three synsets in its own order, evaluated on their folders."""
    order = [TEN[2], TEN[0], TEN[1]]                   # the model's outputs 0, 1, 2
    folder = _synset_tree(tmp_path / "data", TEN[:3]) / "val"
    import keras

    model = keras.models.load_model(_nearest_grey_model(tmp_path / "full.keras"))
    w, b = model.layers[-1].get_weights()
    idx = [KERAS.index(s) for s in order]
    inp = keras.Input((16, 16, 3))
    small = keras.Model(inp, keras.layers.Dense(3)(keras.layers.GlobalAveragePooling2D()(inp)))
    small.layers[-1].set_weights([w[:, idx], b[idx]])
    small.save(tmp_path / "m3.keras")
    # sorted folders = TEN[0], TEN[1], TEN[2] -> not the model's order: every image is wrong
    assert _evaluate(tmp_path / "m3.keras", f"folder:{folder}")["top1"] == 0.0
    (tmp_path / "labels.txt").write_text("\n".join(order) + "\n")
    r = _evaluate(tmp_path / "m3.keras", f"folder:{folder}", "--class-map", tmp_path / "labels.txt")
    assert r["top1"] == 1.0 and r["class_index"] == {s: i for i, s in enumerate(order)}
    (tmp_path / "short.txt").write_text("\n".join(order[:2]) + "\n")
    clean_error(run("evaluate", tmp_path / "m3.keras", "--data", f"folder:{folder}", "--class-map",
                    tmp_path / "short.txt"), "short.txt", repr(order[2]), "not listed")
    (tmp_path / "twice.txt").write_text(f"{order[0]}\n{order[1]}\n{order[0]}\n")
    clean_error(run("evaluate", tmp_path / "m3.keras", "--data", f"folder:{folder}", "--class-map",
                    tmp_path / "twice.txt"), "twice.txt", "listed twice")


def test_feature_map_output_is_not_a_classifier(tmp_path):
    import keras

    inp = keras.Input((28, 28, 1))
    keras.Model(inp, keras.layers.Conv2D(4, 3, padding="same")(inp)).save(tmp_path / "fmap.keras")
    clean_error(run("evaluate", tmp_path / "fmap.keras", "--data", "embedded:eval", "--limit", "4"),
                "28x28x4", "feature map", "not a classifier output", "GlobalAveragePooling2D", "Dense(10")
    out = run("pretrained", "mobilenet-v2", "--alpha", "0.35", "--size", "96", "--no-top", "--weights", "none",
              "--out", tmp_path / "headless.keras")
    assert out.returncode == 0, out.stderr
    clean_error(run("evaluate", tmp_path / "headless.keras", "--data", "embedded:eval", "--limit", "4"),
                "3x3x1280", "feature map", "Dense(10")


def test_calibrate_and_sensitivity_on_a_subset(tmp_path, model_1000):
    root = _synset_tree(tmp_path / "ILSVRC2012", TEN, per_class=3)
    (root / "train").symlink_to(root / "val")
    session = tmp_path / "s.qft"
    out = run("calibrate", model_1000, "--data", f"imagenet:{root}", "--out", session)
    assert out.returncode == 0, out.stderr
    calibration = json.loads(zipfile.ZipFile(session).read("session.json"))["calibration"]
    assert calibration["n_images"] == 30          # auto: 1,000 images balanced over the 10 synsets present
    r = run("sensitivity", session, "--data", f"imagenet:{root}", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["float_top1"] == 1.0
    clean_error(run("sensitivity", session, "--data", "embedded:eval", "--limit", "8"),
                "1000 outputs", "embedded:eval has 10 classes")


def test_a_sessions_plan_is_evaluated_with_the_class_map_given(tmp_path, model_1000):
    """`qftune evaluate S.qft --class-map FILE` on a folder named in the user's words: the map is used (it was
    ignored for a session, and the refusal then asked for the --class-map it had been given), and the plan
    scores those images exactly as on the same images in synset folders."""
    root = _synset_tree(tmp_path / "ILSVRC2012", TEN, per_class=3)
    (root / "train").symlink_to(root / "val")
    session = tmp_path / "s.qft"
    out = run("calibrate", model_1000, "--data", f"imagenet:{root}", "--out", session)
    assert out.returncode == 0, out.stderr
    words = {TEN[0]: "tench", TEN[1]: "goldfish", TEN[2]: "white shark"}
    for s, word in words.items():
        for i in range(2):
            _save(tmp_path / "mine" / word / f"{i}.jpg", _grey(s))
    names = [words.get(s, s) for s in KERAS]                    # line i = output i, three in the user's words
    (tmp_path / "labels.txt").write_text("\n".join(names) + "\n")
    folder = f"folder:{tmp_path / 'mine'}"
    clean_error(run("evaluate", session, "--data", folder), "1000 outputs", "3 classes", "--class-map")
    r = _evaluate(session, folder, "--class-map", tmp_path / "labels.txt")
    assert r["simulated"] and r["n_images"] == 6
    assert r["class_index"] == {w: KERAS.index(s) for s, w in words.items()}
    _synset_tree(tmp_path / "same", TEN[:3])
    same = _evaluate(session, f"imagenet:{tmp_path / 'same'}")
    assert r["top1"] == same["top1"] and r["top5"] == same["top5"]
    assert {words[s]: v for s, v in same["per_class"].items()} == r["per_class"]
