"""The headless demo writes sessions, verified models, PNG plots, the DFQ rows and report.html.

Both tests read ONE demo run (module fixture ``tiny_demo``: plots and DFQ rows on); the run without DFQ
(summary's "dfq" empty, no equalized model written) is checked by test_demo_ablation's command-line run.
"""

import json

import pytest


@pytest.fixture(scope="module")
def tiny_demo(orig_model, tmp_path_factory):
    """One demo run on the tiny original MobileNetV2: (out folder, summary). Tests only read it."""
    from core.demo import DemoConfig, run_demo

    folder = tmp_path_factory.mktemp("tiny_demo")
    model_path = folder / "orig.keras"
    orig_model.save(model_path)
    out = folder / "demo"
    # relu6="keep": the tiny random net's ReLU6s clip (ReLU6 -> ReLU alone moves its logits by ~27%), so only
    # the exact equalization can be held to "same float top-1"; the demo's default is DFQ's relu6="relu"
    summary = run_demo(DemoConfig(out, quick=True, models={"tiny original": str(model_path)}, eval_images=30,
                                  compare_images=2, dfq_relu6="keep"), log=lambda m: None)
    return out, summary


def test_demo_on_one_tiny_model(tiny_demo):
    from PIL import Image

    from core.demo import headline
    from core.session import Session

    out, summary = tiny_demo
    rows = [r for r in summary["results"] if r["arch"] == "tiny original"]
    assert [(r["method"], r["weights"]) for r in rows] == [
        ("float", "float32"), ("greedy", "per-channel"), ("greedy", "per-tensor"),
        ("minmax", "per-channel"), ("minmax", "per-tensor")]
    for r in rows:
        assert r["n_images"] == 30 and 0 <= r["top1"] <= 1 and r["size_bytes"] > 0
    for m in ("greedy", "minmax"):
        s = Session.load(out / f"tiny_original.{m}.qft")
        assert s.plan.method == m
        for w in ("per_channel", "per_tensor"):
            assert (out / f"tiny_original_{m}_{w}_int8.tflite").exists()
            assert json.loads((out / f"tiny_original_{m}_{w}_int8.export.json").read_text())["verification"]["ok"]
    html = (out / "report.html").read_text()
    assert "<table" in html and "tiny original" in html and "SQNR" in html
    pngs = summary["histograms"]["tiny original"]
    assert len(pngs) >= len(s.plan) - 1
    with Image.open(out / pngs[0]) as im:
        assert im.format == "PNG" and im.size[0] > 100
    assert pngs[0] in html
    assert headline(summary)[0].startswith("tiny original: float")


def test_demo_dfq_rows(tiny_demo):
    """The original model also gets + CLE/BA and + CLE/BA + BC rows (issue 12), in summary.json and report.html."""
    from core.models.loading import load_model

    out, _ = tiny_demo
    summary = json.loads((out / "summary.json").read_text())
    dfq = summary["dfq"]["tiny original"]
    cells = [f"{m}/{w}" for m in ("greedy", "minmax") for w in ("per-channel", "per-tensor")]
    plain = {f"{r['method']}/{r['weights']}": r for r in summary["results"] if r["arch"] == "tiny original"}
    for variant in ("plain", "cle_ba", "cle_ba_bc"):
        for c in cells:
            row = dfq["variants"][variant][c]
            assert row["n_images"] == 30 and 0 <= row["top1"] <= 1, (variant, c)
            # drops are from the original's float top-1
            assert abs(row["drop_pp"] - (plain["float/float32"]["top1"] - row["top1"]) * 100) < 1e-9
    for c in cells:
        assert dfq["variants"]["plain"][c]["top1"] == plain[c]["top1"]
    for c in cells:
        for variant in ("cle_ba", "cle_ba_bc"):
            path = out / f"tiny_original_{variant}_{c.replace('/', '_').replace('-', '_')}_int8.tflite"
            assert path.exists()
            report = json.loads((out / (path.stem + ".export.json")).read_text())
            assert report["verification"]["ok"]
            assert bool(report.get("bias_correction")) == (variant == "cle_ba_bc"), (variant, c)
    # the equalized model computes the same function: same float top-1 on the same images
    assert dfq["variants"]["cle_ba"]["float"]["top1"] == dfq["variants"]["plain"]["float"]["top1"]
    assert dfq["variants"]["cle_ba"]["float"]["n_images"] == 30
    eq = load_model(out / "tiny_original_cle.keras")
    assert not any(type(layer).__name__ == "BatchNormalization" for layer in eq.layers)
    assert (out / "tiny_original_cle.dfq.json").exists() and dfq["equalize"]["pairs"] > 0
    p = dfq["mcnemar"]["cle_ba_bc"]["greedy/per-tensor"]["p_exact"]
    assert 0 <= p <= 1 and f"p={p:.2g}" in dfq["verdict"]
    html = (out / "report.html").read_text()
    for name in ("original + CLE/BA", "original + CLE/BA + BC", "minmax per-tensor"):
        assert name in html
    assert dfq["verdict"].split(":")[0] in html
    rowtxt = f"{dfq['variants']['cle_ba_bc']['greedy/per-tensor']['top1'] * 100:.2f}%"
    assert rowtxt in html

