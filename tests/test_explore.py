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


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_explorer(session, tflite, port, timeout=180.0):
    """``qftune explore S T --no-browser`` as a child process; (process, the URL it printed)."""
    import re
    import subprocess
    import threading
    import time

    from cli_kit import process_env

    proc = subprocess.Popen([sys.executable, "-m", "core.cli", "explore", str(session), str(tflite), "--no-browser",
                             "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=process_env(PYTHONUNBUFFERED=1),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    found, lines = [], []

    def read():
        for line in proc.stdout:
            lines.append(line)
            m = re.search(r"http://127\.0\.0\.1:\d+/\?\S+", line)
            if m and not found:
                found.append(m.group(0))

    threading.Thread(target=read, daemon=True).start()
    end = time.monotonic() + timeout
    while not found and time.monotonic() < end and proc.poll() is None:
        time.sleep(0.2)
    if not found:
        _stop(proc)
        raise AssertionError("qftune explore printed no server address:\n" + "".join(lines[-20:]))
    return proc, found[0]


def _stop(proc) -> None:
    import os
    import signal
    import subprocess

    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _saturated_pixels(png, box) -> int:
    """Pixels in ``box`` (left, top, right, bottom) of a clearly warm or green hue (the SQNR gradient's
    colours; Model Explorer's own nodes and chrome are white, grey and light blue)."""
    import numpy as np
    from PIL import Image

    a = np.asarray(Image.open(png).convert("RGB").crop(box)).astype(int)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    return int((((r - b) > 60) | ((g - r) > 40) & ((g - b) > 20)).sum())


@pytest.mark.slow
def test_model_explorer_in_a_browser(exports, tmp_path):
    """As a user sees it: the local server on 127.0.0.1 opened in headless Chromium (DevTools protocol,
    tests/browser_kit.py); every overlay is listed without an error, its per-node values reach the graph's
    nodes (Model Explorer's aggregated min/max/sum over its nodes equal qftune's node data), and the nodes
    are drawn in the gradient's colours. QFTUNE_SCREENSHOTS=1 also writes docs/screenshots/model_explorer.png."""
    pytest.importorskip("model_explorer", reason="the optional extra ai-edge-model-explorer is not installed")
    import os

    from browser_kit import Browser, find_browser

    binary = find_browser()
    if binary is None:
        pytest.skip("no Chromium on this machine (scripts/setup.sh --test installs Debian's chromium): the overlay "
                    "cannot be checked in a browser here")
    nd = tmp_path / "nd"
    assert run("explore", V2, exports[V2], "--write-node-data", nd).returncode == 0
    want = {}
    for f in nd.glob("*.json"):
        doc = json.loads(f.read_text())["main"]
        values = [r["value"] for r in doc["results"].values()]
        want[doc["name"]] = values
    assert "qftune estimated SQNR (dB)" in want and all("/" not in t for t in want)

    proc, url = _start_explorer(V2, exports[V2], _free_port())
    try:
        try:
            browser = Browser(binary, 1280, 900)
        except RuntimeError as exc:
            pytest.skip(f"Chromium cannot run here: {exc}")
        try:
            page = browser.page()
            page.call("Page.navigate", url=url)
            shown = page.wait_for("document.body && document.body.innerText.includes('Aggregated stats')", 180)
            assert shown, "Model Explorer never showed its node data panel: " + str(
                page.evaluate("document.body ? document.body.innerText.slice(0, 500) : ''"))
            stats = page.wait_for(
                "(() => { const t = document.querySelector('node-data-provider-summary-panel table');"
                " return t && t.rows.length > 2 && Array.from(t.rows).map(r => Array.from(r.cells).map(c => c.innerText)) })()",
                60)
            icons = page.evaluate("Array.from(document.querySelectorAll('node-data-provider-summary-panel mat-icon'))"
                                  ".map(e => e.innerText)")
            assert "error" not in icons, icons
            head, rows = stats[0], {r[0]: r[1:] for r in stats[1:]}
            titles = [h.split("\n", 1)[-1] for h in head[1:]]
            assert sorted(titles) == sorted(want), (titles, sorted(want))
            for i, title in enumerate(titles):
                numbers = [v for v in want[title] if isinstance(v, float | int)]
                if not numbers:                  # the range method: text values
                    continue
                for stat, expect in (("Min", min(numbers)), ("Max", max(numbers)), ("Sum", sum(numbers))):
                    assert float(rows[stat][i]) == pytest.approx(expect, rel=1e-6, abs=1e-9), (title, stat)
            # the last overlay added is the one colouring the graph: estimated SQNR, its eye open
            assert "estimated SQNR" in titles[-1]
            for _ in range(4):                   # zoom in on the top of the graph (Ctrl+wheel), then look
                page.call("Input.dispatchMouseEvent", type="mouseWheel", x=450, y=150, deltaX=0, deltaY=-100,
                          modifiers=2)
            page.wait_for("new Promise(r => setTimeout(() => r(true), 2000))", 10)
            png = page.screenshot(tmp_path / "model_explorer.png")
            assert _saturated_pixels(png, (0, 110, 900, 880)) > 2000
            if os.environ.get("QFTUNE_SCREENSHOTS"):
                (ROOT / "docs/screenshots/model_explorer.png").write_bytes(png.read_bytes())
        finally:
            browser.close()
    finally:
        _stop(proc)


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
