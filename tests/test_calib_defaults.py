"""The default calibration size (docs/greedy.md): 1,000 training images, balanced over the classes."""

from __future__ import annotations

import numpy as np
import pytest

from core.calibrate import AUTO, DEFAULT_CALIB_IMAGES, calibration_images, default_per_class
from core.data.fashion_mnist import DEFAULT_PATH


def test_default_is_1000_images_balanced():
    assert DEFAULT_CALIB_IMAGES == 1000
    assert default_per_class(10) == 100
    assert default_per_class(3) == 334          # rounds up: never fewer than the default in all
    assert default_per_class(5000) == 1         # at least one image per class


def test_embedded_default_uses_all_100_images():
    ds = calibration_images("embedded")
    assert len(ds) == 100
    assert np.bincount(ds.labels).tolist() == [10] * 10


def test_explicit_per_class_is_kept():
    assert len(calibration_images("embedded", per_class=1)) == 10
    assert len(calibration_images("embedded", per_class=None)) == 100
    with pytest.raises(ValueError, match="at least 1"):
        calibration_images("embedded", per_class=0)


@pytest.mark.skipif(not DEFAULT_PATH.is_dir(), reason="Debian dataset-fashion-mnist not installed")
def test_fashion_mnist_default_is_first_100_per_class_of_the_training_split():
    ds = calibration_images("fashion-mnist", per_class=AUTO)
    assert len(ds) == 1000
    assert np.bincount(ds.labels).tolist() == [100] * 10
