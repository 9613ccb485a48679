"""The model zoo: MobileNetV1/V2 builders (original and QF), loading, BN folding."""

from .mobilenet_v1 import build_mobilenet_v1
from .mobilenet_v2 import build_mobilenet_v2
from .qf_config import QFConfig, parse_changes

ARCHITECTURES = {"mobilenet-v1": build_mobilenet_v1, "mobilenet-v2": build_mobilenet_v2}


def build(arch: str, **kwargs):
    """Build ``arch`` (``mobilenet-v1`` or ``mobilenet-v2``) with builder keyword arguments."""
    try:
        builder = ARCHITECTURES[arch]
    except KeyError:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHITECTURES)}") from None
    return builder(**kwargs)


__all__ = ["QFConfig", "parse_changes", "build", "build_mobilenet_v1", "build_mobilenet_v2", "ARCHITECTURES"]
