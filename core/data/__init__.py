"""Datasets: spec strings, loaders and the one preprocessing step."""

from .dataset import Dataset
from .preprocess import to_model_input, adapt_images, INPUT_RANGE
from .spec import load_dataset, SPEC_HELP

__all__ = ["Dataset", "load_dataset", "to_model_input", "adapt_images", "INPUT_RANGE", "SPEC_HELP"]
