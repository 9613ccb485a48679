"""The weight view / ``qftune weights``: a model's folded per-channel kernel ranges."""

from __future__ import annotations

from ..progress import NULL_PROGRESS, Progress


def read_weights(model_path: str, progress: Progress = NULL_PROGRESS) -> dict:
    """``{layer: LayerWeights}`` of every conv/depthwise/dense kernel of ``model_path``, BN folded as export folds it."""
    from ..models.loading import load_model
    from ..weights import model_weights

    progress.update(0, 1, "reading the folded weights")
    weights = model_weights(load_model(model_path))
    progress.update(1, 1, "weights read")
    return weights
