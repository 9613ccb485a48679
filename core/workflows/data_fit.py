"""Does a dataset fit a model? The one answer the GUI asks before it proposes or uses data.

A dataset fits when its images have the model's input size and channels the model can take, and
its classes are the model's outputs (:func:`core.workflows.simulate.check_data_matches`). Resizing
28-px grayscale images to a 224-px RGB model is not fitting: the scores would not be the model's.
"""

from __future__ import annotations

from ..data.fit import WHAT_TO_DO


def data_fit_problem(model_path: str, spec: str, split: str = "train") -> str | None:
    """Why ``spec``'s ``split`` cannot calibrate or score the Keras model at ``model_path``, with what
    to do instead; None when it fits."""
    from ..data import load_dataset
    from ..models.loading import load_model
    from .simulate import check_data_matches

    model = load_model(model_path)
    try:
        ds = load_dataset(spec, default_split=split)
    except (OSError, ValueError) as exc:
        return f"data {spec}: {exc}"
    try:
        check_data_matches(model, ds, spec)
    except ValueError as exc:
        return f"{exc}; {WHAT_TO_DO}"
    return None


def check_data_fits(model_path: str, spec: str, split: str = "train") -> None:
    """Raise :class:`~core.workflows.simulate.DataMismatchError` when ``spec`` does not fit the model."""
    from .simulate import DataMismatchError

    problem = data_fit_problem(model_path, spec, split)
    if problem is not None:
        raise DataMismatchError(problem)
