"""qftune explore: Model Explorer node data keyed by the .tflite's tensor names, covering every plan
tensor; a .tflite that is not the session's export is refused; the optional package is named."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from cli_kit import ROOT, clean_error, run

V2 = ROOT / "resources/sessions/mobilenet_v2_qf_fmnist.qft"
V1 = ROOT / "resources/sessions/mobilenet_v1_qf_fmnist.qft"


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    d = tmp_path_factory.mktemp("explore")
    out = {}
    for s in (V2, V1):
        t = d / f"{s.stem}_int8.tflite"
        r = run("export", s, "--out", t)
        assert r.returncode == 0, r.stderr
        out[s] = t
    return out


def _adapter_tensor_names(tflite) -> set[str]:
    from model_explorer.builtin_tflite_flatbuffer_adapter import BuiltinTfliteFlatbufferAdapter

    graph = BuiltinTfliteFlatbufferAdapter().convert(str(tflite), {})["graphCollections"][0].graphs[0]
    return {a["value"] for n in graph["nodes"] for m in n["outputsMetadata"] for a in m["attrs"]
            if a["key"] == "tensor_name"}


@pytest.mark.slow
@pytest.mark.parametrize("session", [V2, V1], ids=["v2", "v1"])
def test_node_data_covers_every_plan_tensor(session, exports, tmp_path):
    pytest.importorskip("model_explorer", reason="the optional extra ai-edge-model-explorer is not installed")
    from core.graph.explorer import tensor_names
    from core.session import Session

    out = tmp_path / "nd"
    r = run("explore", session, exports[session], "--write-node-data", out)
    assert r.returncode == 0, r.stderr
    doc = json.loads((out / "estimated_SQNR.json").read_text())
    keys = set(doc["main"]["results"])
    names = tensor_names(Session.load(session), exports[session])
    nodes = _adapter_tensor_names(exports[session])     # what Model Explorer itself reads from the .tflite
    not_keyed = [n for n, tn in names.items() if tn not in keys]
    not_in_graph = [n for n, tn in names.items() if tn not in nodes]
    assert not not_keyed, f"plan tensors without node data: {not_keyed}"
    assert not not_in_graph, f"plan tensors whose key is no node output in Model Explorer: {not_in_graph}"
    method = json.loads((out / "range_method.json").read_text())["main"]["results"]
    assert set(method) == keys


@pytest.mark.slow
def test_another_sessions_export_is_refused(exports, tmp_path):
    pytest.importorskip("model_explorer", reason="the optional extra ai-edge-model-explorer is not installed")
    r = run("explore", V2, exports[V1], "--write-node-data", tmp_path / "nd")
    clean_error(r, str(exports[V1]), "exported from")
    assert not (tmp_path / "nd").exists()
    changed = tmp_path / "changed_int8.tflite"
    shutil.copy(exports[V2], changed)
    shutil.copy(str(exports[V2])[:-len(".tflite")] + ".export.json", tmp_path / "changed_int8.export.json")
    data = bytearray(changed.read_bytes())
    data[-100] ^= 0xFF
    changed.write_bytes(bytes(data))
    clean_error(run("explore", V2, changed, "--write-node-data", tmp_path / "nd"), "changed since it was exported")


def test_missing_package_is_named(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "model_explorer", None)     # as if it were not installed
    clean_error(run("explore", V2, tmp_path / "m.tflite"), "pip install ai-edge-model-explorer")
    clean_error(run("explore", V2, tmp_path / "m.tflite", "--write-node-data", tmp_path / "nd"),
                "--write-node-data", "pip install ai-edge-model-explorer")
    assert not (tmp_path / "nd").exists()


def test_model_explorer_in_a_browser():
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("no headless Chromium here (Debian's chromium + chromium-driver are not installed): "
                    "the overlay cannot be checked in a browser on this machine")
    pytest.xfail("the browser check of the overlay is not written yet: headless Chromium's --dump-dom with a "
                 "virtual-time budget never returned on Model Explorer's page here (tried, 2 min)")


# keras.applications MobileNets (weights=None, 96 px: the least V1 accepts at alpha 0.25 with its own
# head; V3 with its Rescaling, hard-swish and squeeze-excite multiplies): built, calibrated on the
# embedded images, exported and explored through the CLI as a user would
KERAS_APPS = {
    "v1": ("MobileNet", dict(input_shape=(96, 96, 3), alpha=0.25, classes=10)),
    "v2": ("MobileNetV2", dict(input_shape=(96, 96, 3), alpha=0.35, classes=10)),
    "v3-small": ("MobileNetV3Small", dict(input_shape=(96, 96, 3), alpha=0.75, classes=10)),
    "v3-large": ("MobileNetV3Large", dict(input_shape=(96, 96, 3), alpha=0.75, classes=10)),
}


@pytest.fixture(scope="module")
def jpeg_folder(tmp_path_factory):
    """10 classes x 1 image: 96-px JPEGs of smooth random colour fields (the embedded images are grey)."""
    import numpy as np
    from PIL import Image

    root = tmp_path_factory.mktemp("jpegs")
    rng = np.random.default_rng(0)
    for c in range(10):
        (root / f"c{c}").mkdir()
        small = rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)
        Image.fromarray(small).resize((96, 96), Image.BILINEAR).save(root / f"c{c}" / "a.jpg", quality=90)
    return root


@pytest.mark.slow
@pytest.mark.parametrize("arch", list(KERAS_APPS))
def test_node_data_covers_keras_applications_mobilenets(arch, jpeg_folder, tmp_path):
    pytest.importorskip("model_explorer", reason="the optional extra ai-edge-model-explorer is not installed")
    import keras

    from core.graph.explorer import tensor_names
    from core.session import Session
    from model_kit import data_init_bn

    ctor, kwargs = KERAS_APPS[arch]
    keras.utils.set_random_seed(0)
    model = data_init_bn(getattr(keras.applications, ctor)(weights=None, **kwargs))
    path, s, tflite, out = tmp_path / f"{arch}.keras", tmp_path / "s.qft", tmp_path / "m_int8.tflite", tmp_path / "nd"
    model.save(path)
    for args in (("calibrate", path, "--data", f"folder:{jpeg_folder}", "--out", s),
                 ("export", s, "--out", tflite), ("explore", s, tflite, "--write-node-data", out)):
        r = run(*args)
        assert r.returncode == 0, (args[0], r.stderr)
    session = Session.load(s)
    plan_ops = {t.op for t in session.plan.tensors}
    if ctor.startswith("MobileNetV3"):
        assert {"HARD_SWISH", "MUL", "RESCALE", "ADD"} <= plan_ops, plan_ops
    names = tensor_names(session, tflite)
    nodes = _adapter_tensor_names(tflite)
    for overlay in ("estimated_SQNR.json", "range_method.json"):
        keys = set(json.loads((out / overlay).read_text())["main"]["results"])
        not_keyed = [f"{n} ({session.plan[n].tensor.op})" for n, tn in names.items() if tn not in keys]
        assert not not_keyed, f"{arch}: plan tensors without node data in {overlay}: {not_keyed}"
        stray = sorted(keys - nodes)
        assert not stray, f"{arch}: node data keys that are no tensor of the .tflite: {stray}"
    not_in_graph = [f"{n} ({session.plan[n].tensor.op}) -> {tn}" for n, tn in names.items() if tn not in nodes]
    assert not not_in_graph, f"{arch}: plan tensors not found in the .tflite's graph: {not_in_graph}"
    assert len(names) == len(session.plan.names)
