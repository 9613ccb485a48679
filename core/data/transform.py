"""Decoding one image file and the standard evaluation transform, as TF ops for ``tf.data``.

Decode: ``tf.io.decode_image`` (JPEG, PNG, BMP, GIF first frame; ``expand_animations=False``)
to uint8 with 3 channels: grayscale is repeated, alpha is dropped, 16-bit PNGs are scaled
to 0..255 (``v * 255 / 65535``, not clipped). Large JPEGs are decoded at 1/2, 1/4 or 1/8
scale by libjpeg's DCT scaling when the result is still larger than the resize target, so
an 8000x8000 photo never becomes a 768 MB float tensor. TIFFs are read with Pillow (8 and
16-bit; float TIFFs are refused by path: their value range is not defined).

Evaluation transform (keras.applications / TF-slim evaluation): resize the shorter side
to ``size / 0.875`` (bilinear, antialiased), take the central ``size x size`` crop (87.5 %
of the shorter side), round to whole pixels 0..255 (what an app feeding uint8 frames
sees). A 1x1 thumbnail or a huge photo is transformed on its own; no image changes the
size of another. For a 1-channel model the RGB pixels become luminance
(0.299 R + 0.587 G + 0.114 B).
"""

from __future__ import annotations

import re

import numpy as np

CROP_FRACTION = 0.875
TF_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif"}
PIL_SUFFIXES = {".tif", ".tiff"}
IMAGE_SUFFIXES = TF_SUFFIXES | PIL_SUFFIXES
LUMA = (0.299, 0.587, 0.114)


def pil_decode(path: str) -> np.ndarray:
    """uint8 ``(H, W, 3)`` from a file Pillow reads; raises ValueError naming what is wrong."""
    from PIL import Image

    with Image.open(path) as im:
        im.load()
        mode = im.mode
        if mode in ("F", "I") or mode.startswith("F;"):
            raise ValueError(f"{'float' if mode.startswith('F') else '32-bit integer'} image (mode {mode}): "
                             "its value range is undefined; convert it to 8 or 16-bit")
        if mode.startswith("I;16"):
            arr = np.asarray(im).astype(np.float64)
            arr = np.rint(arr * (255.0 / 65535.0)).astype(np.uint8)
            arr = np.repeat(arr[..., None], 3, axis=-1)
        else:
            arr = np.asarray(im.convert("RGB"))
    if arr.size == 0:
        raise ValueError("empty image")
    return arr


def check_file(path: str) -> str:
    """Why ``path`` cannot be decoded (the reason the pipeline dropped it); '' if it can."""
    import tensorflow as tf

    suffix = path[path.rfind("."):].lower() if "." in path else ""
    try:
        if suffix in PIL_SUFFIXES:
            pil_decode(path)
        else:
            img = tf.io.decode_image(tf.io.read_file(path), channels=3, dtype=tf.uint8, expand_animations=False)
            if int(tf.size(img)) == 0:
                return "empty image"
    except Exception as exc:  # any decoder complaint is the file's fault
        msg = re.sub(r"\{\{.*?\}\}|\s*\[Op:.*$", "", str(exc).strip().splitlines()[0] if str(exc).strip() else "")
        return (msg.strip() or type(exc).__name__)[:200]
    return ""


def _decode_tf(path, size: int):
    import tensorflow as tf

    data = tf.io.read_file(path)
    target = float(size) / CROP_FRACTION

    def jpeg():
        shape = tf.image.extract_jpeg_shape(data)
        short = tf.cast(tf.minimum(shape[0], shape[1]), tf.float32)
        # the largest DCT downscale that still leaves the shorter side >= the resize target
        branch = tf.reduce_sum(tf.cast(short / tf.constant([2.0, 4.0, 8.0]) >= target, tf.int32))
        return tf.switch_case(branch, [
            lambda r=r: tf.io.decode_jpeg(data, channels=3, ratio=r) for r in (1, 2, 4, 8)])

    def other():
        return tf.io.decode_image(data, channels=3, dtype=tf.uint8, expand_animations=False)

    return tf.cond(tf.io.is_jpeg(data), jpeg, other)


def decode(path, size: int):
    """uint8 ``(H, W, 3)`` tensor for one file path (string tensor)."""
    import tensorflow as tf

    lower = tf.strings.lower(path)
    is_pil = tf.strings.regex_full_match(lower, r".*\.tiff?")

    def via_pil():
        img = tf.numpy_function(lambda p: pil_decode(p.decode()), [path], tf.uint8, stateful=False)
        return tf.reshape(img, tf.stack([tf.shape(img)[0], tf.shape(img)[1], 3]))

    img = tf.cond(is_pil, via_pil, lambda: _decode_tf(path, size))
    img.set_shape([None, None, 3])
    tf.debugging.assert_positive(tf.size(img), message="empty image")
    return img


def eval_transform(img, size: int, channels: int):
    """Resize the shorter side to ``size / 0.875``, central ``size`` crop, whole pixels; float32 0..255."""
    import tensorflow as tf

    shape = tf.shape(img)
    h, w = tf.cast(shape[0], tf.float32), tf.cast(shape[1], tf.float32)
    scale = (float(size) / CROP_FRACTION) / tf.minimum(h, w)
    nh = tf.maximum(tf.cast(tf.round(h * scale), tf.int32), size)
    nw = tf.maximum(tf.cast(tf.round(w * scale), tf.int32), size)
    x = tf.image.resize(tf.cast(img, tf.float32), tf.stack([nh, nw]), method="bilinear", antialias=True)
    top, left = (nh - size) // 2, (nw - size) // 2
    x = x[top:top + size, left:left + size, :]
    if channels == 1:
        x = tf.reduce_sum(x * tf.constant(LUMA, tf.float32), axis=-1, keepdims=True)
    elif channels != 3:
        raise ValueError(f"cannot feed a model with {channels} input channels from RGB images")
    x = tf.clip_by_value(tf.round(x), 0.0, 255.0)
    x.set_shape([size, size, channels])
    return x


__all__ = ["CROP_FRACTION", "IMAGE_SUFFIXES", "decode", "eval_transform", "pil_decode", "check_file"]
