"""The headless demo writes sessions, verified models, PNG plots and report.html."""

import json


def test_demo_on_one_tiny_model(qf_model, tmp_path):
    from PIL import Image

    from core.demo import DemoConfig, headline, run_demo
    from core.session import Session

    model_path = tmp_path / "tiny.keras"
    qf_model.save(model_path)
    out = tmp_path / "demo"
    summary = run_demo(DemoConfig(out, quick=True, models={"tiny QF": str(model_path)}, eval_images=30,
                                  compare_images=2), log=lambda m: None)
    rows = summary["results"]
    assert [(r["method"], r["weights"]) for r in rows] == [
        ("float", "float32"), ("greedy", "per-channel"), ("greedy", "per-tensor"),
        ("minmax", "per-channel"), ("minmax", "per-tensor")]
    for r in rows:
        assert r["n_images"] == 30 and 0 <= r["top1"] <= 1 and r["size_bytes"] > 0
    for m in ("greedy", "minmax"):
        s = Session.load(out / f"tiny_qf.{m}.qft")
        assert s.plan.method == m
        for w in ("per_channel", "per_tensor"):
            assert (out / f"tiny_qf_{m}_{w}_int8.tflite").exists()
            assert json.loads((out / f"tiny_qf_{m}_{w}_int8.export.json").read_text())["verification"]["ok"]
    html = (out / "report.html").read_text()
    assert "<table" in html and "tiny QF" in html and "SQNR" in html
    pngs = summary["histograms"]["tiny QF"]
    assert len(pngs) >= len(s.plan) - 1
    with Image.open(out / pngs[0]) as im:
        assert im.format == "PNG" and im.size[0] > 100
    assert pngs[0] in html
    assert headline(summary)[0].startswith("tiny QF: float")
