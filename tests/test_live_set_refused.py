"""Issue 21, bad input: a live set that does not match the model's input is refused with the reason
(size; number of classes), never scored."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SESSION = ROOT / "resources" / "sessions" / "mobilenet_v2_qf_fmnist.qft"


def _build(spec: str):
    from core.models.convention import resolve_convention
    from core.plan.weight_entry import WeightPlan
    from core.session import Session
    from core.workflows.simulate import build_live_set

    s = Session.load(SESSION)
    return build_live_set(str(s.require_model()), list(s.plan.tensors), s.plan.ranges(), WeightPlan.of(s.plan),
                          resolve_convention(session=s).to_dict(), dict(s.calibration), 20, data=spec)


def test_a_live_set_of_another_image_size_is_refused(tmp_path):
    from core.workflows.simulate import DataMismatchError

    root = tmp_path / "cifar"
    root.mkdir()
    rng = np.random.default_rng(0)
    for name in ("test_batch", *(f"data_batch_{i}" for i in range(1, 6))):
        with open(root / name, "wb") as f:
            pickle.dump({b"data": rng.integers(0, 256, (20, 3072), dtype=np.uint8), b"labels": list(range(10)) * 2}, f)
    with pytest.raises(DataMismatchError, match="32x32.*28x28"):
        _build(f"cifar10:{root}")


def test_a_live_set_with_another_number_of_classes_is_refused(tmp_path):
    from core.workflows.simulate import DataMismatchError

    for c in ("a", "b", "c"):
        (tmp_path / "three" / c).mkdir(parents=True)
        Image.new("L", (28, 28), 40).save(tmp_path / "three" / c / "x.png")
    with pytest.raises(DataMismatchError, match="10 outputs.*3 classes"):
        _build(f"folder:{tmp_path / 'three'}")
