"""qftune weights through the command line: the mechanism table of a model with one dead depthwise channel.

The model is the paper's failure made by hand (as tests/test_weight_ranges.py): block0_dw's channel 3
has BN variance 0, so its folded kernel is ~1/sqrt(eps) times wider and per-tensor int8 weights
erase the other channels. Every figure the CLI prints is checked against a numpy fold.
"""

import json

import numpy as np
import pytest

from cli_kit import run
from model_kit import kill_bn_channel


def qftune(*args):
    return run("weights", *args)


@pytest.fixture(scope="module")
def dead_model(tmp_path_factory):
    from core.models import QFConfig, build_mobilenet_v1

    model = build_mobilenet_v1(input_size=16, width=0.25, qf=QFConfig.original(), name="m")
    kill_bn_channel(model, "block0_dw_bn", 3, others=2000.0)
    bn = model.get_layer("block0_dw_bn")
    w = {v.path.split("/")[-1]: v for v in bn.weights}
    var = w["moving_variance"].numpy()
    dw = model.get_layer("block0_dw")
    dw.kernel.assign(np.random.default_rng(0).normal(0, 0.3, dw.kernel.shape).astype(np.float32))
    path = tmp_path_factory.mktemp("w") / "dead.keras"
    model.save(path)
    s = w["gamma"].numpy() / np.sqrt(var + bn.get_config()["epsilon"])
    k = np.abs(dw.kernel.numpy()[:, :, :, 0] * s).max(axis=(0, 1))       # per-channel max|w|, folded
    expect = {"channels": len(k), "collapsed": int((k < k.max() / 127 / 2).sum()),
              "spread": float(k.max() / np.median(k)), "max_bn_scale": float(s.max())}
    dw_layers = [layer.name for layer in model.layers if type(layer).__name__ == "DepthwiseConv2D"]
    return path, expect, dw_layers


def test_json_per_layer_matches_numpy_and_totals_add_up(dead_model):
    path, expect, dw_layers = dead_model
    r = qftune(path, "--kind", "depthwise", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    rows = {row["layer"]: row for row in doc["layers"]}
    assert list(rows) == dw_layers                        # depthwise only, in model order
    b0 = rows["block0_dw"]
    assert b0["channels"] == expect["channels"] and b0["dead"] == 1
    assert b0["collapsed"] == expect["collapsed"] >= expect["channels"] - 2
    assert b0["spread"] == pytest.approx(expect["spread"], rel=1e-3)
    assert b0["max_bn_scale"] == pytest.approx(expect["max_bn_scale"], rel=1e-3)
    t = doc["totals"]
    assert t["channels"] == sum(row["channels"] for row in rows.values())
    assert t["collapsed"] == sum(row["collapsed"] for row in rows.values()) and t["dead"] == 1
    assert t["max_spread_layer"] == "block0_dw" and t["max_bn_scale_layer"] == "block0_dw"


def test_table_names_the_erased_channels_and_one_layer_filter(dead_model):
    path, expect, _ = dead_model
    r = qftune(path, "--layer", "block0_dw")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["layer", "kind", "channels"]
    row = next(line for line in lines if line.startswith("block0_dw "))
    cells = row.split()
    assert cells[2] == str(expect["channels"]) and cells[5] == str(expect["collapsed"]) and cells[6] == "1"
    assert len(lines) == 4                                # header, rule, the one row, totals
    assert lines[-1].startswith(f"block0_dw: {expect['collapsed']} of {expect['channels']} channels erased")
    r = qftune(path, "--kind", "conv")
    assert r.returncode == 0 and "DepthwiseConv2D" not in r.stdout and "block0_pw" in r.stdout


def test_missing_file_and_unknown_layer_are_named(dead_model, tmp_path):
    path, _, _ = dead_model
    r = qftune(tmp_path / "nope.keras")
    assert r.returncode == 2 and "nope.keras: no such model file" in r.stderr
    r = qftune(path, "--layer", "block0_dw_bn")
    assert r.returncode == 2 and "--layer 'block0_dw_bn'" in r.stderr and "block0_dw," in r.stderr
    assert r.stdout == ""
