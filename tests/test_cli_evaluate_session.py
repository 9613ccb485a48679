"""`qftune evaluate S.qft`: a session's plan scored through the simulated int8 model, without exporting
(issue 21). Real bundled session and model, real export and LiteRT for the comparison."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from cli_kit import clean_error, run

ROOT = Path(__file__).resolve().parents[1]
SESSION = ROOT / "resources" / "sessions" / "mobilenet_v2_qf_fmnist.qft"


def _copy_session(tmp_path: Path, data: str | None = None) -> Path:
    """The bundled session saved in ``tmp_path`` (its model found by absolute path), optionally with
    another recorded calibration data spec."""
    from core.session import Session

    s = Session.load(SESSION)
    if data is not None:
        s.calibration["data"] = data
    out = tmp_path / "s.qft"
    s.save(out)
    return out


def test_evaluate_session_agrees_with_the_exported_tflite_and_says_simulated(tmp_path):
    session = _copy_session(tmp_path)
    tflite = tmp_path / "m_int8.tflite"
    r = run("export", session, "--out", tflite, "--weights", "per-channel")
    assert r.returncode == 0, r.stderr
    r = run("evaluate", session, "--reference", tflite, "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["simulated"] is True and d["kind"] == "simulated int8" and d["weights"] == "per-channel"
    assert d["n_images"] == 2000                     # the whole embedded eval set, the session's own data
    assert d["agreement"] >= 0.995, d["agreement"]   # simulation vs the exported LiteRT model, top-1
    assert d["reference"] == str(tflite)
    assert d["latency_ms_median"] is None            # nothing ran on LiteRT for the plan itself
    # the exported file's own accuracy is within the disagreements of the simulated one
    r = run("evaluate", tflite, "--data", "embedded:eval", "--json")
    exported = json.loads(r.stdout)
    assert exported["simulated"] is False
    assert abs(exported["top1"] - d["top1"]) <= 1.0 - d["agreement"] + 1e-9

    text = run("evaluate", session, "--limit", "200")
    assert text.returncode == 0, text.stderr
    assert "simulated int8" in text.stdout and "nothing exported" in text.stdout


def test_a_range_edit_changes_the_simulated_score(tmp_path):
    """The user's loop: set-range, then evaluate the session again: the figure follows the edit."""
    session = _copy_session(tmp_path)
    before = json.loads(run("evaluate", session, "--limit", "300", "--json").stdout)
    r = run("set-range", session, "block1_project", "-0.05", "0.05")   # clips a wide tensor hard
    assert r.returncode == 0, r.stderr
    after = json.loads(run("evaluate", session, "--limit", "300", "--json").stdout)
    assert after["top1"] < before["top1"] - 0.05, (before["top1"], after["top1"])


def test_an_edit_updates_the_warm_simulation_in_place_without_retracing():
    """The live set after an edit: no segment traced again, only the segments from the edited tensor's
    re-run, and the figures equal a simulation built from scratch with the edited plan."""
    from core.data import load_dataset
    from core.models.convention import resolve_convention
    from core.models.loading import load_model
    from core.session import Session
    from core.simulate.live import LiveSet
    from core.simulate.model import SimulatedModel, simulated_float

    s = Session.load(SESSION)
    model = load_model(s.require_model())
    x, y = next(load_dataset("embedded:eval", "test").batches(28, 1, resolve_convention(session=s), 300))
    sim = SimulatedModel(model, s.plan.tensors, s.plan.ranges())
    live = LiveSet(sim, x, y, simulated_float(model, sim.folded))
    first = live.figures
    traces = sim.trace_count
    assert traces == len(sim.segments)               # each segment traced once

    name = "block12_expand"                          # deep: the edit must not re-run the stem
    s.plan.set_range(name, -0.05, 0.05)
    edited = live.edit(s.plan.ranges())
    assert sim.trace_count == traces                 # variables changed, nothing retraced
    assert edited.recomputed_from == sim.describe_segment(sim.segment_of(name)) != sim.describe_segment(0)
    assert edited.agreement < first.agreement

    fresh = SimulatedModel(model, s.plan.tensors, s.plan.ranges()).run(x)
    assert np.array_equal(live.scores, fresh)        # the cached upstream activations were the right ones
    assert edited.top1 == pytest.approx(float(np.mean(np.argmax(fresh, axis=1) == y)))
    assert live.edit(s.plan.ranges()) is edited      # nothing changed: nothing recomputed

    # a newer edit cancels an older computation half-way; the next one still scores the right model
    from core.progress import Cancelled, Progress

    class CancelAfterOneBatch(Progress):
        def update(self, done, total, message=""):
            if done >= 1:
                self.cancel()

    s.plan.set_range("block2_expand", -0.05, 0.05)
    with pytest.raises(Cancelled):
        live.edit(s.plan.ranges(), progress=CancelAfterOneBatch())
    s.plan.set_range("block14_expand", -0.5, 0.5)
    live.edit(s.plan.ranges())
    assert np.array_equal(live.scores, SimulatedModel(model, s.plan.tensors, s.plan.ranges()).run(x))
    assert sim.trace_count == traces


def test_a_session_whose_data_no_longer_resolves_names_the_spec(tmp_path):
    session = _copy_session(tmp_path, data=f"folder:{tmp_path / 'gone'}")
    r = run("evaluate", session)
    clean_error(r, str(session), f"folder:{tmp_path / 'gone'}", "--data")


def test_data_of_another_image_size_is_refused(tmp_path):
    """CIFAR-10 (32x32 colour) cannot score a 28 px Fashion-MNIST model: refused, nothing scored."""
    root = tmp_path / "cifar"
    root.mkdir()
    rng = np.random.default_rng(0)
    with open(root / "test_batch", "wb") as f:
        pickle.dump({b"data": rng.integers(0, 256, (20, 3072), dtype=np.uint8), b"labels": list(range(10)) * 2}, f)
    r = run("evaluate", _copy_session(tmp_path), "--data", f"cifar10:{root}")
    clean_error(r, "32x32", "28x28")


def test_data_with_another_number_of_classes_is_refused(tmp_path):
    from PIL import Image

    root = tmp_path / "three"
    for c in ("a", "b", "c"):
        (root / c).mkdir(parents=True)
        Image.fromarray(np.full((28, 28), 100, np.uint8)).save(root / c / "x.png")
    r = run("evaluate", _copy_session(tmp_path), "--data", f"folder:{root}")
    clean_error(r, "3 classes", "10 outputs")


def test_a_model_convention_flag_is_refused_for_a_session(tmp_path):
    r = run("evaluate", _copy_session(tmp_path), "--input-scale", "0.5")
    clean_error(r, "convention")

