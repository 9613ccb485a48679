"""Issue 21's honesty: the warm simulated int8 model computes what the exported model computes on LiteRT's
default path (XNNPACK), output value for output value, and building it says nothing about retracing."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SESSION = ROOT / "resources" / "sessions" / "mobilenet_v2_qf_fmnist.qft"


def _session_batch(n: int):
    from core.data import load_dataset
    from core.models.convention import resolve_convention
    from core.models.loading import load_model
    from core.session import Session

    s = Session.load(SESSION)
    model = load_model(s.require_model())
    ds = load_dataset(s.calibration["data"], default_split="test")
    x, _ = next(iter(ds.batches(int(model.input_shape[1]), int(model.input_shape[-1]),
                                resolve_convention(session=s), n)))
    return s, model, x


@pytest.mark.slow
@pytest.mark.parametrize("weights", ["per-tensor", "per-channel"])
def test_the_simulation_gives_the_exported_models_int8_outputs(tmp_path, weights):
    from core.export import export_int8
    from core.export.litert import load_interpreter, quantize_input
    from core.simulate.model import SimulatedModel

    s, model, x = _session_batch(200)
    out = tmp_path / "m.tflite"
    export_int8(model, s.plan.tensors, s.plan.ranges(), out, weights=weights)
    it = load_interpreter(out, threads=1)                       # LiteRT's default: XNNPACK
    inp, o = it.get_input_details()[0], it.get_output_details()[0]
    lite = []
    for q in quantize_input(x, inp):
        it.set_tensor(inp["index"], q[None])
        it.invoke()
        lite.append(it.get_tensor(o["index"]).reshape(-1).astype(np.int64))
    scale, zp = o["quantization"]
    sim = SimulatedModel(model, s.plan.tensors, s.plan.ranges(), weights=weights)
    simulated = np.round(sim.run(x).reshape(len(x), -1) / scale).astype(np.int64) + zp
    differ = simulated != np.stack(lite)
    assert not differ.any(), f"{differ.mean():.2%} of the output values differ on {differ.any(1).sum()} images"


def test_building_the_simulation_logs_no_retracing_warning():
    """Neither one simulation (17 segment functions, each traced once) nor five built one after another in
    one process (the engine, as sessions are opened) is reported as retracing."""
    from core.simulate.model import SimulatedModel

    s, model, x = _session_batch(2)
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        for _ in range(5):                  # sessions opened one after another in one engine process
            sim = SimulatedModel(model, s.plan.tensors, s.plan.ranges())
            sim.run(x)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert len(sim.segments) > 5            # enough traced functions for TensorFlow's retracing detector
    assert not [r.getMessage() for r in records if "retracing" in r.getMessage()]
