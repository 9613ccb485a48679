"""Do a source's images fit a model's input as they are? One rule for calibrate, evaluate and the GUI.

Decoded files (``folder:``, ``imagenet:``) are resized to the model's input: that is the normal
transform, not a misfit. A source with a fixed native size and channels (``embedded``,
``fashion-mnist``, ``cifar10``: ``image_shape`` is known) fits only a model of that size and those
channels: 28-px grayscale images blown up to a 224-px RGB model are not the images the model was
made for, so their statistics or scores would not be the model's.
"""

from __future__ import annotations

WHAT_TO_DO = ("give data of the model's own images and classes instead, e.g. imagenet:PATH for an ImageNet "
              "model or folder:PATH (one sub-folder per class, in the order of the model's outputs)")


def native_shape_problem(image_shape, size: int, channels: int, source: str, model: str) -> str | None:
    """Why images of the fixed ``image_shape`` (H, W, C; None: decoded files, resized) do not fit a
    ``size``-px, ``channels``-channel model input, naming both sides; None when they fit."""
    if image_shape is None:
        return None
    h, w, c = (int(v) for v in tuple(image_shape)[:3])
    if (h, w) == (size, size) and c == channels:
        return None
    def what(c):
        return "grayscale" if c == 1 else "RGB" if c == 3 else f"{c}-channel"
    return (f"{source}: images are {h}x{w} px {what(c)} ({c} channel{'s' if c != 1 else ''}) but the model "
            f"{model} takes {size}x{size} px {what(channels)} ({channels} channel{'s' if channels != 1 else ''}); "
            "resized they are not the images it was made for, so its statistics and scores would not be the model's")
