"""A 224-px model with real margins for the agreement measurement: keras.applications MobileNetV2 1.0
(the network of ``_live_224.keras_v2_224_model``: weights=None, BatchNorm statistics from generated
images) with its 1,000-way head replaced by a 10-way one trained briefly on generated images whose
class is their mean colour (10 hues), so that top-1 is decided by the model, not by near-tied logits.
Made once under ``$QFTUNE_BENCH_CACHE``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from _bench_images import CACHE

HUES = 10


def coloured_images(n: int, seed: int, size: int = 224) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images, labels): smooth random colour fields (as ``bench_live.generated_images``) tinted
    towards one of :data:`HUES` colours, the label."""
    import colorsys

    import tensorflow as tf

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, HUES, n)
    tint = np.array([colorsys.hsv_to_rgb(h / HUES, 0.9, 1.0) for h in range(HUES)], np.float32) * 255
    small = rng.integers(0, 256, (n, 8, 8, 3)).astype(np.float32) * 0.5 + 0.5 * tint[labels][:, None, None, :]
    big = tf.image.resize(small, (size, size), method="bicubic").numpy()
    return np.clip(big + rng.integers(-12, 13, big.shape), 0, 255).astype(np.uint8), labels


def keras_v2_224_head_model(path: Path | None = None) -> Path:
    """The .keras file (made once): the backbone above and a trained 10-way Dense head (logits)."""
    path = path or CACHE / "keras_apps_mnv2_224_head10.keras"
    if path.exists():
        return path
    import keras
    from _live_224 import keras_v2_224_model

    keras.utils.set_random_seed(0)
    base = keras.models.load_model(keras_v2_224_model())
    features = keras.Model(base.inputs, base.get_layer("global_average_pooling2d").output)
    x, y = coloured_images(400, seed=10)
    f = features.predict(x.astype(np.float32) / 127.5 - 1.0, batch_size=20, verbose=0)
    head = keras.layers.Dense(HUES, name="head10")
    out = head(features.output)
    model = keras.Model(base.inputs, out)
    for layer in model.layers[:-1]:
        layer.trainable = False
    mu, sd = f.mean(0), f.std(0) + 1e-6
    probe = keras.Sequential([keras.Input((f.shape[1],)), keras.layers.Dense(HUES)])
    probe.compile(keras.optimizers.Adam(1e-2), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    probe.fit((f - mu) / sd, y, epochs=60, batch_size=50, verbose=0)
    w, b = probe.layers[-1].get_weights()
    head.set_weights([w / sd[:, None], b - (mu / sd) @ w])   # the standardisation folded into the head
    model.save(path)
    return path
