"""The three quantization-friendly (QF) changes of Sheng et al. (arXiv 1803.08607).

Each change is a separate switch so the effect of each can be measured:

1. ``no_dw_bn_relu``  - no BatchNorm and no ReLU/ReLU6 between the depthwise and
   the pointwise conv; the network learns to absorb the BN transform into the
   weights.
2. ``relu``           - ReLU instead of ReLU6 after every pointwise conv (and the stem).
3. ``dw_l2``          - L2 regularisation on the depthwise weights.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

ALL_CHANGES = (1, 2, 3)


@dataclass(frozen=True)
class QFConfig:
    no_dw_bn_relu: bool = False
    relu: bool = False
    dw_l2: float = 0.0

    @classmethod
    def original(cls) -> QFConfig:
        return cls()

    @classmethod
    def from_changes(cls, changes, l2: float = 4e-5) -> QFConfig:
        """Build from the change numbers ``{1, 2, 3}`` used by ``--qf-changes``."""
        changes = set(int(c) for c in changes)
        unknown = changes - set(ALL_CHANGES)
        if unknown:
            raise ValueError(
                f"unknown QF change(s) {sorted(unknown)}; valid changes are 1 (no BN/ReLU "
                "between depthwise and pointwise), 2 (ReLU instead of ReLU6), "
                "3 (L2 on depthwise weights)"
            )
        return cls(no_dw_bn_relu=1 in changes, relu=2 in changes, dw_l2=l2 if 3 in changes else 0.0)

    @classmethod
    def full(cls, l2: float = 4e-5) -> QFConfig:
        return cls.from_changes(ALL_CHANGES, l2)

    @property
    def changes(self) -> tuple[int, ...]:
        out = []
        if self.no_dw_bn_relu:
            out.append(1)
        if self.relu:
            out.append(2)
        if self.dw_l2 > 0:
            out.append(3)
        return tuple(out)

    @property
    def is_original(self) -> bool:
        return not self.changes

    def to_dict(self) -> dict:
        return asdict(self)


def parse_changes(text: str) -> tuple[int, ...]:
    """Parse ``"1,2,3"`` (as given to ``--qf-changes``) into change numbers."""
    try:
        return tuple(sorted({int(t) for t in text.split(",") if t.strip()}))
    except ValueError:
        raise ValueError(f"--qf-changes expects a comma-separated list of 1, 2, 3; got {text!r}") from None
