"""Issue 21: the live set is held out — never an image calibration used — and names a spec that no
longer resolves."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image


def _folder(root, per_class: int = 6):
    for c in ("a", "b"):
        (root / c).mkdir(parents=True)
        for i in range(per_class):
            Image.new("L", (28, 28), 10 * i + (100 if c == "b" else 0)).save(root / c / f"{i}.png")
    return f"folder:{root}"


def test_a_folder_spec_gives_a_live_set_without_the_calibration_images(tmp_path):
    from core.calibrate import calibration_images
    from core.workflows.simulate import live_set_data

    spec = _folder(tmp_path / "imgs")
    calib = {"data": spec, "per_class": 2, "limit": None}
    used = set(calibration_images(spec, 2).files()[0])
    _, live = live_set_data(calib, 100)
    files = set(live.files()[0])
    assert len(files) == 12 - 4 and not files & used
    _, other = live_set_data(calib, 100, data=spec)           # the spec calibrated on, given: the same
    assert set(other.files()[0]) == files
    _, fresh = live_set_data({**calib, "data": "embedded"}, 100, data=spec)   # data not calibrated on: all
    assert len(fresh) == 12
    _, few = live_set_data(calib, 3)
    assert len(few) == 3 and set(few.files()[0]) <= files


def test_an_embedded_session_scores_the_eval_split_and_a_moved_spec_is_named(tmp_path):
    from core.data import load_dataset
    from core.workflows.simulate import NoLiveDataError, live_set_data

    _, live = live_set_data({"data": "embedded", "per_class": 10}, 500)
    ev = load_dataset("embedded", default_split="test")
    assert len(live) == 500 and live.labels.tolist() == ev.labels[np.sort(np.random.default_rng(0)
                                                                          .permutation(len(ev))[:500])].tolist()
    with pytest.raises(NoLiveDataError, match="moved.*no longer resolves"):
        live_set_data({"data": f"folder:{tmp_path / 'moved'}"}, 10)
    with pytest.raises(NoLiveDataError, match="every image was used for calibration"):
        live_set_data({"data": _folder(tmp_path / "all", 2), "per_class": 2}, 10)
