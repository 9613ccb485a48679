"""Equalize: data-free cross-layer equalization (+ bias absorption) written as a float Keras model."""

from __future__ import annotations

from dataclasses import dataclass

from ..progress import NULL_PROGRESS


@dataclass
class EqualizeOutcome:
    result: object           # core.equalize.equalize.EqualizeResult
    check: dict              # check_equivalence's measurements on real images
    report: dict             # what was written to the .dfq.json beside ``out``
    out: str

    def to_dict(self) -> dict:
        """What ``qftune equalize --json`` prints and the GUI's Equalize job returns: the report written
        beside ``out`` (``model`` is ``out``) without its BatchNorm statistics."""
        doc = dict(self.report)
        doc.pop("preact_stats", None)
        return doc


def equalize(model: str, out: str, bias_absorption: bool = True, relu6: str = "relu", data: str = "embedded:eval",
             check_images: int = 256, force: bool = False, progress=NULL_PROGRESS) -> EqualizeOutcome:
    """Fold BN, equalize the Keras model file ``model`` (``relu6``: "relu" replaces ReLU6 between
    equalized layers, "keep" leaves those pairs alone), check it against the input on the first
    ``check_images`` images of ``data`` and write ``out`` and its ``.dfq.json`` (never over ``model``; over
    an existing file of another kind only with ``force``)."""
    import numpy as np

    from ..equalize.equalize import check_equivalence, equalize_model
    from ..equalize.write import check_paths, write_result
    from ..models.convention import resolve_convention
    from ..models.loading import load_model
    from .inputs import test_split

    check_paths(model, out, force)    # before any work
    if check_images < 1:
        raise ValueError(f"--check-images must be at least 1, got {check_images}")
    m = load_model(model)
    conv = resolve_convention(m, model)
    _, h, _w, c = m.input_shape
    ds = test_split(data, check_images)
    x = np.concatenate([b for b, _y in ds.batches(int(h), int(c), conv, 64)]).astype(np.float32)
    result = equalize_model(m, bias_absorption=bias_absorption, relu6=relu6, progress=progress)
    check = check_equivalence(m, result, x, source=f"{data} ({len(x)} images)")
    report = write_result(result, model, out, conv, force=force)
    return EqualizeOutcome(result, check, report, out)
