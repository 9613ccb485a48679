"""Sensitivity: the top-1 drop when only one plan tensor is quantized (AIMET's QuantAnalyzer)."""

from __future__ import annotations

from dataclasses import dataclass

from ..progress import NULL_PROGRESS


@dataclass
class SensitivityResult:
    base_top1: float         # the float model's top-1
    rows: list               # core.sensitivity.Sensitivity, largest drop first
    seconds: float
    n_images: int
    skipped_images: int

    def to_dict(self) -> dict:
        """What ``qftune sensitivity --json`` prints and the GUI's Sensitivity job returns (read back with
        :func:`core.sensitivity.drops_of`)."""
        return {"float_top1": self.base_top1, "n_images": self.n_images, "skipped_images": self.skipped_images,
                "seconds": self.seconds, "tensors": [r.to_dict() for r in self.rows]}


def sensitivity(model_path: str, tensors, ranges: dict, data: str = "embedded:eval", limit: int | None = None,
                weights: str | None = None, convention=None, path=None, skip_bad: bool = False, model=None,
                class_map: str | None = None, progress=NULL_PROGRESS, warn=None) -> SensitivityResult:
    """Quantize each of ``tensors`` alone with its plan range (``weights``: also its kernel,
    per-channel/per-tensor; None or "none": activations only) and measure the top-1 drop on the
    first ``limit`` images of ``data``'s test split, fed through ``convention`` (the session's;
    None: the model's own, see :func:`core.models.convention.resolve_convention`). ``class_map``: a
    ``--class-map`` file naming the model's outputs (:mod:`core.data.classes`)."""
    from ..data.classes import check_classifier
    from ..models.convention import resolve_convention
    from ..models.loading import load_model
    from ..sensitivity import sensitivity as _sensitivity
    from .inputs import as_convention, images_read, test_split

    ds = test_split(data, limit, path, skip_bad, warn, class_map=class_map)   # before loading the model
    model = model if model is not None else load_model(model_path)
    check_classifier(model.output_shape, ds, str(model_path))
    conv = as_convention(convention) or resolve_convention(model, model_path, warn=warn)
    base, rows, seconds = _sensitivity(model, tensors, ranges, ds, weights=None if weights == "none" else weights,
                                       progress=progress, convention=conv)
    return SensitivityResult(base, rows, seconds, images_read(ds), len(ds.skipped))
