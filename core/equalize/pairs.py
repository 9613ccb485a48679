"""The layer pairs W1 -> f -> W2 that cross-layer equalization can rescale.

Found in the BN-folded graph: W1 is a Conv2D or a DepthwiseConv2D (depth multiplier 1),
W2 a Conv2D, DepthwiseConv2D or Dense, and everything between them acts on each channel
separately and commutes with a positive per-channel scale:

* ReLU, and ReLU6 when it is replaced by ReLU (``relu6="relu"``, as the DFQ paper and AIMET do;
  with ``relu6="keep"`` a ReLU6 ends the path: relu6(x/s)*s clips at 6s, not 6);
* linear (no activation), Dropout, ZeroPadding2D (zeros scale to zeros);
* GlobalAveragePooling2D, only right before a Dense.

Every tensor on the path has exactly one consumer (W1's output scaled by 1/s must reach
nothing but W2). A residual Add ends the path (its two inputs would need the same scale).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..keras_graph import inbound_layers

W1_TYPES = ("Conv2D", "DepthwiseConv2D")
W2_TYPES = ("Conv2D", "DepthwiseConv2D", "Dense")
RELU6_MODES = ("relu", "keep")


@dataclass
class Pair:
    first: str                  # W1 layer name
    second: str                 # W2 layer name
    activation: str             # "linear", "relu" or "relu6" (relu6: replaced by ReLU)
    path: list[str] = field(default_factory=list)   # layers strictly between W1 and W2
    relu6_layers: list[str] = field(default_factory=list)   # ReLU6 layers of the path (become ReLU)
    padded: bool = False        # W2 sees zero padding (ZeroPadding2D on the path or a 'same' kernel > 1x1)

    @property
    def absorbable(self) -> bool:
        """Bias absorption is exact (up to the ReLU's tail, see :mod:`.absorption`) only when
        W2 never reads padded zeros: a shifted channel's padding would not be shifted."""
        return not self.padded

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _activation_kind(layer) -> str | None:
    """'linear' / 'relu' / 'relu6' for a pass-through activation layer, None otherwise."""
    cls = type(layer).__name__
    cfg = layer.get_config()
    if cls == "ReLU":
        if cfg.get("negative_slope", 0) or cfg.get("threshold", 0):
            return None
        mv = cfg.get("max_value")
        if mv is None:
            return "relu"
        return "relu6" if float(mv) == 6.0 else None
    if cls == "Activation":
        act = cfg.get("activation")
        return act if act in ("relu", "relu6", "linear") else None
    return None


def _own_activation(layer) -> str | None:
    act = layer.get_config().get("activation", "linear")
    return act if act in ("linear", "relu") else None


def _is_depthwise_1(layer) -> bool:
    return type(layer).__name__ != "DepthwiseConv2D" or layer.get_config().get("depth_multiplier", 1) == 1


def _reads_padding(layer) -> bool:
    cls = type(layer).__name__
    if cls == "Dense":
        return False
    cfg = layer.get_config()
    k = cfg["kernel_size"]
    return cfg["padding"] == "same" and tuple(k) != (1, 1)


def consumers(model) -> dict[str, list]:
    out: dict[str, list] = {}
    for layer in model.layers:
        for src in inbound_layers(layer):
            out.setdefault(src.name, []).append(layer)
    return out


def find_pairs(model, relu6: str = "relu") -> list[Pair]:
    """Every equalizable pair of ``model`` (a BN-folded functional model), in graph order."""
    if relu6 not in RELU6_MODES:
        raise ValueError(f"relu6 must be one of {', '.join(RELU6_MODES)}, got {relu6!r}")
    cons = consumers(model)
    pairs = []
    for layer in model.layers:
        if type(layer).__name__ not in W1_TYPES or not _is_depthwise_1(layer):
            continue
        kind = _own_activation(layer)
        if kind is None:
            continue
        path, relu6s, padded, pooled = [], [], False, False
        cur = layer
        while True:
            nxt = cons.get(cur.name, [])
            if len(nxt) != 1:
                break
            n = nxt[0]
            cls = type(n).__name__
            if cls in W2_TYPES:
                ok = _is_depthwise_1(n) and (cls == "Dense") == pooled
                if ok:
                    pairs.append(Pair(layer.name, n.name, kind, path, relu6s, padded or _reads_padding(n)))
                break
            act = _activation_kind(n)
            if act is not None:
                if pooled or kind != "linear" or (act == "relu6" and relu6 == "keep"):
                    break   # a second activation, or one after pooling, is not a single positive-homogeneous f
                kind = act
                if act == "relu6":
                    relu6s.append(n.name)
            elif cls == "ZeroPadding2D":
                padded = True
            elif cls == "GlobalAveragePooling2D" and not pooled and not n.get_config().get("keepdims", False):
                pooled = True
            elif cls != "Dropout":
                break
            path.append(n.name)
            cur = n
    return pairs
