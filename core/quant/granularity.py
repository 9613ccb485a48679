"""Weight quantization granularities of an int8 export (no TensorFlow: the CLI's choices and the
GUI's option lists import this)."""

GRANULARITIES = ("per-channel", "per-tensor")
"""``per-channel``: one scale per output channel (depthwise: per channel); ``per-tensor``: one
scale for the whole kernel."""

__all__ = ["GRANULARITIES"]
