"""qftune demo's MobileNetV1 ablation table (issue 15), through the command line with stand-in models.

Two tiny MobileNetV1s (BN statistics from real images): an "original" whose block0_dw has one dead
channel (BN variance set to 0, so per-tensor int8 weights erase the rest of that layer) and a QF one.
The table's accuracies are checked against the demo's own exported files and its mechanism columns
against core.weights on the same models.
"""

import json

import numpy as np
import pytest

from cli_kit import run
from model_kit import kill_bn_channel


def demo(*args):
    return run("demo", *args)


@pytest.fixture(scope="module")
def v1_pair(tmp_path_factory, init_bn):
    import keras

    from core.data import load_dataset, to_model_input
    from core.models import QFConfig, build_mobilenet_v1

    folder = tmp_path_factory.mktemp("v1")
    calib = load_dataset("embedded")
    paths = {}
    for name, qf in (("orig", QFConfig.original()), ("qf", QFConfig.full())):
        keras.utils.set_random_seed(0)
        m = build_mobilenet_v1(input_size=28, width=0.25, qf=qf, name=name)
        init_bn(m, to_model_input(calib.images, m.input_shape))
        if name == "orig":                           # folded scale 0.022, and 1/sqrt(eps) = 31.6 for channel 3
            kill_bn_channel(m, "block0_dw_bn", 3, others=2000.0)
        paths[name] = folder / f"v1_{name}.keras"
        m.save(paths[name])
    return paths


def test_demo_prints_and_reports_the_ablation_table(v1_pair, tmp_path):
    from core.models.loading import load_model
    from core.weights import model_weights

    out = tmp_path / "demo"
    r = demo("--quick", "--out", out, "--models", v1_pair["qf"], v1_pair["orig"], "--no-dfq", "--no-plots",
             "--eval-images", 40, "--ablation-models", f"V1 orig={v1_pair['orig']}", f"V1 qf={v1_pair['qf']}")
    assert r.returncode == 0, r.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["dfq"] == {} and not list(out.glob("*_cle*"))       # --no-dfq: no equalized model, no DFQ rows
    assert "data-free fixes" not in r.stdout
    doc = summary["ablation"]
    assert list(doc["results"]) == ["V1 orig", "V1 qf"] and doc["skipped"] is None
    for label, res in doc["results"].items():
        assert res["float"]["n_images"] == 40
        for m in ("greedy", "minmax"):
            for w in ("per_tensor", "per_channel"):
                cell = res["int8"][m][w]
                assert cell["n_images"] == 40 and 0 <= cell["top1"] <= 1
                slug = label.lower().replace(" ", "_")
                report = json.loads((out / "ablation" / f"{slug}_{m}_{w}_int8.export.json").read_text())
                assert report["verification"]["ok"]
        lw = [x for x in model_weights(load_model(res["model"])).values() if x.kind == "DepthwiseConv2D"]
        assert res["mechanism"]["collapsed"] == sum(int(x.collapsed.sum()) for x in lw)
        has_bn = any(x.bn_variance is not None for x in lw)
        assert res["mechanism"]["dead"] == (sum(int(x.dead.sum()) for x in lw) if has_bn else None)
        assert res["mechanism"]["max_spread"] == pytest.approx(max(x.spread for x in lw), rel=1e-3)
    orig, qf = doc["results"]["V1 orig"]["mechanism"], doc["results"]["V1 qf"]["mechanism"]
    assert orig["dead"] == 1 and orig["collapsed"] >= 1 and orig["max_spread_layer"] == "block0_dw"
    assert qf["dead"] is None and qf["max_bn_scale"] is None     # QF: no BN after the depthwise convs
    # the same cells on screen, in summary.json and in report.html
    assert "MobileNetV1 ablation" in r.stdout
    row = next(line for line in r.stdout.splitlines() if line.strip().startswith("V1 orig"))
    gpt = doc["results"]["V1 orig"]["int8"]["greedy"]["per_tensor"]["top1"]
    assert f"{gpt * 100:.2f}" in row and f"{orig['collapsed']} / {orig['channels']}" in row
    html = (out / "report.html").read_text()
    assert "The paper's ablation" in html and "<td class='l'>V1 qf</td>" in html
    assert f"{orig['collapsed']} / {orig['channels']}" in html
    assert (out / "ablation" / "v1_orig.greedy.qft").exists()
    assert np.isfinite(doc["seconds"])


def test_no_ablation_and_bad_ablation_model_are_clear(v1_pair, tmp_path):
    r = demo("--quick", "--out", tmp_path / "d", "--models", v1_pair["qf"], v1_pair["orig"],
             "--ablation-models", f"V1 orig={tmp_path / 'gone.keras'}")
    assert r.returncode == 2 and "--ablation-models V1 orig=" in r.stderr and "gone.keras: no such model file" in r.stderr
    assert not (tmp_path / "d" / "summary.json").exists()
    r = demo("--quick", "--out", tmp_path / "d", "--models", v1_pair["qf"], v1_pair["orig"], "--ablation-models", "x")
    assert r.returncode == 2 and "expected NAME=PATH" in r.stderr
