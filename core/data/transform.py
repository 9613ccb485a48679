"""Decoding one image file and the standard evaluation transform, as TF ops for ``tf.data``.

Decode: ``tf.io.decode_image`` (JPEG, PNG, BMP, GIF first frame; ``expand_animations=False``)
to uint8 with 3 channels: grayscale is repeated, alpha is dropped, 16-bit PNGs are scaled
to 0..255 (``v * 255 / 65535``, not clipped). JPEGs decode only the crop window, or, when
that window is over twice the target, the whole file at 1/2, 1/4 or 1/8 scale (libjpeg's
DCT scaling), so an 8000x8000 photo never becomes a 768 MB float tensor. TIFFs are read
with Pillow (8 and 16-bit; float TIFFs are refused by path: their value range is undefined).

Evaluation transform (keras.applications / TF-slim evaluation): the central square of
87.5 % of the shorter side, resized to ``size x size`` -- the same as resizing the shorter
side to ``size / 0.875`` and taking the central ``size`` crop, computed on the crop only
(bilinear; antialiased when shrinking more than 2x) -- then rounded to whole pixels 0..255
(what an app feeding uint8 frames sees). An image already at the model's input size
(``size x size``: data prepared for the model, e.g. 28-px Fashion-MNIST PNGs) is used whole,
as the in-memory sets are: its crop would throw away 12.5 % of a picture that has no margin
and blur the rest back up. A 1x1 thumbnail or a huge photo is transformed on
its own; no image changes the size of another. For a 1-channel model the RGB pixels become
luminance (0.299 R + 0.587 G + 0.114 B).
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


def _crop_box(h, w, size: int):
    """(top, left, side) of the central square covering 87.5 % of the shorter side (int32 tensors);
    the whole image when it is already ``size x size`` (data prepared for the model is used as it is)."""
    import tensorflow as tf

    short = tf.minimum(h, w)
    side = tf.maximum(tf.cast(tf.round(tf.cast(short, tf.float32) * CROP_FRACTION), tf.int32), 1)
    side = tf.where((h == size) & (w == size), tf.constant(size, tf.int32), side)
    return (h - side) // 2, (w - side) // 2, side


def decode_crop(path, size: int):
    """The central crop (87.5 % of the shorter side, square) of one file, uint8 ``(side, side, 3)``;
    a file already ``size x size`` whole.

    JPEGs: only the crop window is decoded (``decode_and_crop_jpeg``), or, when the crop is at
    least twice the target, the whole file at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling)
    and then cropped, so huge photos cost little time and memory.
    """
    import tensorflow as tf

    data = tf.io.read_file(path)
    lower = tf.strings.lower(path)
    is_pil = tf.strings.regex_full_match(lower, r".*\.tiff?")

    def via_pil():
        img = tf.numpy_function(lambda p: pil_decode(p.decode()), [path], tf.uint8, stateful=False)
        img = tf.reshape(img, tf.stack([tf.shape(img)[0], tf.shape(img)[1], 3]))
        return crop(img)

    def crop(img):
        shape = tf.shape(img)
        top, left, side = _crop_box(shape[0], shape[1], size)
        return img[top:top + side, left:left + side, :]

    def jpeg():
        shape = tf.image.extract_jpeg_shape(data)
        top, left, side = _crop_box(shape[0], shape[1], size)
        ratio_index = tf.reduce_sum(tf.cast(side // tf.constant([2, 4, 8]) >= size, tf.int32))

        def window():
            return tf.image.decode_and_crop_jpeg(data, tf.stack([top, left, side, side]), channels=3)

        def scaled():
            return crop(tf.switch_case(ratio_index - 1, [
                lambda r=r: tf.io.decode_jpeg(data, channels=3, ratio=r) for r in (2, 4, 8)]))

        return tf.cond(ratio_index > 0, scaled, window)

    def other():
        return crop(tf.io.decode_image(data, channels=3, dtype=tf.uint8, expand_animations=False))

    img = tf.cond(is_pil, via_pil, lambda: tf.cond(tf.io.is_jpeg(data), jpeg, other))
    img.set_shape([None, None, 3])
    return img


def eval_transform(img, size: int, channels: int):
    """A centrally cropped image -> ``size x size`` (bilinear; antialiased when shrinking > 2x), whole pixels."""
    import tensorflow as tf

    side = tf.shape(img)[0]
    x = tf.cast(img, tf.float32)
    x = tf.cond(side > 2 * size,
                lambda: tf.image.resize(x, [size, size], method="bilinear", antialias=True),
                lambda: tf.cond(tf.equal(side, size), lambda: x,
                                lambda: tf.image.resize(x, [size, size], method="bilinear")))
    if channels == 1:
        x = tf.reduce_sum(x * tf.constant(LUMA, tf.float32), axis=-1, keepdims=True)
    elif channels != 3:
        raise ValueError(f"cannot feed a model with {channels} input channels from RGB images")
    x = tf.clip_by_value(tf.round(x), 0.0, 255.0)
    x.set_shape([size, size, channels])
    return x


__all__ = ["CROP_FRACTION", "IMAGE_SUFFIXES", "decode_crop", "eval_transform", "pil_decode", "check_file"]
