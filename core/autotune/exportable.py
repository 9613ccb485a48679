"""Which ops a float move may offer: ``set-precision LAYER float`` accepts them AND the verified export of
the plan with that op float succeeds.

The converter does not always return to int8 right after a float op's readers: on MobileNetV2 a float
``expanded_conv_project`` left ``block_1_pad`` (a PAD after the conv reading it) float32, which the
export's verifier refuses. Rather than guess the converter's rules, each candidate is exported once
(verify only, to a temporary folder), lazily, when the search first offers it; a refused op is
recorded with the verifier's first problem and never offered.
"""

from __future__ import annotations


class ExportableFloats:
    """A set-like ``layer in floats``: ``candidates`` (set-precision accepts them) that ``check(layer)``
    exports verified (it raises ``ValueError``, e.g. the verifier's, when the export refuses)."""

    def __init__(self, candidates, check):
        self.candidates, self._check = set(candidates), check
        self.ok: set[str] = set()
        self.refused: dict[str, str] = {}

    def __contains__(self, layer) -> bool:
        if layer not in self.candidates or layer in self.refused:
            return False
        if layer not in self.ok:
            try:
                self._check(layer)
            except ValueError as exc:
                lines = [x.strip() for x in str(exc).splitlines() if x.strip()]
                self.refused[layer] = lines[1] if len(lines) > 1 else (lines[0] if lines else type(exc).__name__)
                return False
            self.ok.add(layer)
        return True

    def __len__(self) -> int:
        return len(self.candidates) - len(self.refused)
