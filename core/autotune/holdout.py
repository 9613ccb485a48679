"""The held-out split the search judges plans on: images of the evaluation data that are not
calibration images.

Calibration chose the plan's ranges on its images; a plan judged on them would look better than it
is. The calibration images are re-drawn exactly as calibration drew them (the session's record:
spec, per class, limit; :func:`core.calibrate.calibration_images`), each reduced to a digest of its
pixels at the model's input size, and every evaluation image with the same digest is skipped. The
held-out split is the first ``n`` images left, in the evaluation set's order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

BATCH = 256


@dataclass
class HeldOut:
    pixels: np.ndarray          # uint8, N x H x W x C, at the model's input size
    labels: np.ndarray
    class_names: list
    source: str                 # the evaluation spec
    excluded: int               # evaluation images skipped because they are calibration images
    calibration_images: int     # how many calibration images were checked against

    def dataset(self):
        from ..data.memory import Dataset

        return Dataset(self.pixels, self.labels, list(self.class_names), f"{self.source} (held out)")


def _digests(pixels: np.ndarray) -> list[bytes]:
    return [hashlib.blake2b(p.tobytes(), digest_size=16).digest() for p in pixels]


def calibration_digests(calibration: dict, size: int, channels: int, session_path, path=None, warn=None) -> set:
    """Digests of the session's calibration images at the model's input size."""
    from ..calibrate import calibration_images
    from ..data import pixel_batches

    spec = calibration.get("data")
    if not spec:
        raise ValueError(f"{session_path}: the session records no calibration data, so a held-out split cannot "
                         "be checked against it")
    try:
        ds = calibration_images(spec, calibration.get("per_class"), calibration.get("limit"), path, warn=warn)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{session_path}: its calibration data {spec!r} cannot be read again ({exc}), so a "
                         "held-out split cannot be checked against it") from None
    out = set()
    for px, _ in pixel_batches(ds, size, channels, BATCH):
        out.update(_digests(px))
    return out


def held_out(ds, n: int, size: int, channels: int, calib: set, progress=None) -> HeldOut:
    """The first ``n`` images of ``ds`` (an image source) whose pixels are no calibration image's."""
    from ..data import pixel_batches

    keep_px, keep_y, excluded = [], [], 0
    have = 0
    for px, y in pixel_batches(ds.limit(min(len(ds), n + len(calib))), size, channels, BATCH, progress):
        mask = np.array([d not in calib for d in _digests(px)], bool)
        excluded += int(np.sum(~mask))
        keep_px.append(px[mask])
        keep_y.append(np.asarray(y)[mask])
        have += int(mask.sum())
        if have >= n:
            break
    if have == 0:
        raise ValueError(f"{getattr(ds, 'source', 'data')}: no evaluation image is left once the calibration "
                         "images are taken out; pass --data with images calibration did not use")
    pixels = np.concatenate(keep_px)[:n]
    labels = np.concatenate(keep_y)[:n]
    return HeldOut(pixels, labels, list(ds.class_names), str(getattr(ds, "source", "")), excluded, len(calib))
