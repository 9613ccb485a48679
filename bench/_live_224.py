"""A 224-px session for the live-figures benchmarks: keras.applications MobileNetV2 1.0 (weights=None,
1,000 logits out), its BatchNorm statistics set from generated images (an untrained network's
activations otherwise collapse to ~0 and every figure is trivially perfect), calibrated greedy on a
1,000-class folder of generated JPEGs (one image per class, the first 100 used for calibration, so the
live set has 900 held-out images to take its 100 from). Made once under ``$QFTUNE_BENCH_CACHE``.
"""

from __future__ import annotations

from pathlib import Path

from _bench_images import CACHE, link_tree, source_jpegs


def keras_v2_224_model(path: Path | None = None) -> Path:
    """The .keras file (made once): keras.applications MobileNetV2 1.0, 224 px, weights=None, logits."""
    path = path or CACHE / "keras_apps_mnv2_224_bnstats.keras"
    if path.exists():
        return path
    import keras
    import numpy as np
    from PIL import Image

    keras.utils.set_random_seed(0)
    model = keras.applications.MobileNetV2(weights=None, input_shape=(224, 224, 3), classifier_activation=None)
    x = np.stack([np.asarray(Image.open(p).convert("RGB"), np.float32) for p in source_jpegs()[:32]])
    x = x / 127.5 - 1.0                                    # keras.applications' MobileNetV2 convention
    bns = [layer for layer in model.layers if type(layer).__name__ == "BatchNormalization"]
    for layer in bns:
        layer.momentum = 0.0
    model(x, training=True)                                # BatchNorm statistics of these images
    for layer in bns:
        layer.momentum = 0.99
    CACHE.mkdir(parents=True, exist_ok=True)
    model.save(path)
    return path


def live_224_session() -> tuple[str, str]:
    """(session path, its data spec): the model above calibrated (greedy) on 100 images of a 1,000-class
    folder of generated 224-px JPEGs."""
    out = CACHE / "keras_apps_mnv2_224_live.qft"
    root, _ = link_tree("tree_1000x1", 1000, 1)
    spec = f"folder:{root}"
    if not out.exists():
        from core.calibrate import calibrate
        from core.models.convention import PIXEL_PM1

        session = calibrate(str(keras_v2_224_model()), spec, per_class=1, limit=100, method="greedy",
                            convention=PIXEL_PM1)
        session.save(out)
    return str(out), spec
