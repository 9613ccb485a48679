"""Which ops a float (or int16) move may offer: ``set-precision LAYER float`` accepts them AND the verified export of
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


class ExportableInt16(ExportableFloats):
    """The same for int16 moves: ``also[layer]`` are the readers set to int16 with ``layer`` (those
    ``set-precision int16`` accepts), and ``check(layer)`` returns the bytes of that verified export, so
    ``extra_bytes[layer]`` is the move's measured cost over ``base_bytes`` (the starting plan's export)."""

    def __init__(self, candidates, check, also: dict, base_bytes: int):
        super().__init__(candidates, check)
        self.also, self.base_bytes = dict(also), int(base_bytes)
        self.extra_bytes: dict[str, int] = {}

    def __contains__(self, layer) -> bool:
        if layer in self.candidates and layer not in self.refused and layer not in self.ok:
            check = self._check
            self._check = lambda x: self.extra_bytes.__setitem__(x, int(check(x)) - self.base_bytes)
            try:
                return super().__contains__(layer)
            finally:
                self._check = check
        return super().__contains__(layer)
