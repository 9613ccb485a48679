"""Array helpers for the in-memory sets, and the pixel/255 compatibility path.

:func:`adapt_images` (bilinear resize + channel conversion, uint8) is what
:meth:`core.data.memory.Dataset.batches` uses before the model's input convention.
:func:`to_model_input` / :data:`INPUT_RANGE` are the old ``pixel / 255`` path, kept for
qftune's own models and callers that hold uint8 arrays; everything that reads a
dataset streams ``source.batches(size, channels, convention)`` instead.
"""

from __future__ import annotations

import numpy as np

INPUT_RANGE = (0.0, 1.0)


def adapt_images(images: np.ndarray, size: int, channels: int) -> np.ndarray:
    """Resize (bilinear) and convert channels of uint8 ``(N, H, W, C)`` images; stays uint8."""
    if images.ndim == 3:
        images = images[..., None]
    c = images.shape[-1]
    if c != channels:
        if channels == 1 and c in (3, 4):
            images = np.round(images[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32))
            images = np.clip(images, 0, 255).astype(np.uint8)[..., None]
        elif c == 1 and channels == 3:
            images = np.repeat(images, 3, axis=-1)
        elif c == 4 and channels == 3:
            images = images[..., :3]
        else:
            raise ValueError(f"cannot convert images with {c} channels to the model's {channels}")
    if images.shape[1] != size or images.shape[2] != size:
        from PIL import Image

        images = np.stack([
            np.asarray(Image.fromarray(im.squeeze(-1) if im.shape[-1] == 1 else im).resize((size, size), Image.BILINEAR))
            .reshape(size, size, -1)
            for im in images
        ])
    return images


def to_model_input(images: np.ndarray, input_shape) -> np.ndarray:
    """uint8 images -> float32 batch for a model whose input shape is ``(None, H, W, C)``."""
    _, h, w, c = tuple(input_shape)
    if h != w:
        raise ValueError(f"only square model inputs are supported, got {h}x{w}")
    return adapt_images(images, h, c).astype(np.float32) / 255.0
