"""Compare: SQNR of every plan tensor between the float Keras model and its int8 .tflite."""

from __future__ import annotations

from dataclasses import dataclass

from ..progress import NULL_PROGRESS


@dataclass
class CompareResult:
    rows: list               # core.compare.TensorFidelity, worst first
    n_images: int            # images compared
    skipped_images: int      # unreadable files skipped

    def to_dict(self) -> dict:
        """What ``qftune compare --json`` prints and the GUI's Compare job returns (read back with
        :func:`core.compare.sqnr_of`)."""
        return {"n_images": self.n_images, "skipped_images": self.skipped_images,
                "tensors": [r.to_dict() for r in self.rows]}


def compare(model_path: str, tensors, tflite: str, data: str = "embedded:eval", images: int = 32, path=None,
            skip_bad: bool = False, progress=NULL_PROGRESS, warn=None) -> CompareResult:
    """Run the Keras model file ``model_path`` and the int8 ``tflite`` exported from it on the first
    ``images`` images of ``data``'s test split and measure the SQNR of each of ``tensors``."""
    from ..compare import compare as _compare
    from ..export.report import find_report, require_int8_export
    from ..models.loading import load_model
    from .inputs import images_read, test_split

    if images < 1:
        raise ValueError(f"-k must be at least 1, got {images}")
    require_int8_export(tflite, model_path)   # before loading TensorFlow: the float twin or another model's file
    if find_report(tflite) is None and warn is not None:
        warn(f"no export report beside {tflite}; cannot check it was exported from {model_path}")
    model = load_model(model_path)
    ds = test_split(data, images, path, skip_bad, warn)
    rows = _compare(model, tensors, tflite, ds, progress=progress, warn=warn, source_model=model_path)
    return CompareResult(rows, images_read(ds), len(ds.skipped))
