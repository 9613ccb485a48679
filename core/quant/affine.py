"""The per-channel affine map (x * scale + offset) of a Keras Rescaling or Normalization layer.

The export writes it as a depthwise 1x1 conv (TFLite has no int8 Rescaling); the tensor walk
(:mod:`core.quant.tensors`) refuses a layer this cannot express.
"""

from __future__ import annotations


def affine_params(layer):
    """(scale, offset) per channel (float64 arrays of the channel count) of a Rescaling/Normalization layer."""
    import numpy as np

    cls = type(layer).__name__
    channels = int(layer.output.shape[-1])
    if cls == "Rescaling":
        cfg = layer.get_config()
        scale = np.asarray(_plain(cfg.get("scale", 1.0)), np.float64)
        offset = np.asarray(_plain(cfg.get("offset", 0.0)), np.float64)
    elif cls == "Normalization":
        cfg = layer.get_config()
        if cfg.get("invert"):
            raise ValueError("an inverting Normalization has no int8 export path")
        axis = cfg.get("axis", -1)
        axis = axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis
        if axis not in (-1, len(layer.output.shape) - 1):
            raise ValueError(f"Normalization over axis {axis} is not per channel")
        mean = np.asarray(layer.mean, np.float64)
        var = np.asarray(layer.variance, np.float64)
        std = np.maximum(np.sqrt(var), 1e-7)   # keras.backend.epsilon(), as the layer computes it
        scale, offset = 1.0 / std, -mean / std
    else:
        raise ValueError(f"{cls} is not an affine layer")
    try:
        scale = np.broadcast_to(scale.reshape(-1) if scale.size > 1 else scale.reshape(()), (channels,)).copy()
        offset = np.broadcast_to(offset.reshape(-1) if offset.size > 1 else offset.reshape(()), (channels,)).copy()
    except ValueError:
        raise ValueError(f"scale/offset of shapes {scale.shape}/{offset.shape} are not per channel "
                         f"({channels} channels)") from None
    if np.any(scale == 0):
        raise ValueError("a zero scale has no int8 export path")
    return scale, offset


def _plain(v):
    if isinstance(v, dict) and "config" in v:   # a serialized array
        v = v["config"].get("value", v)
    return v
