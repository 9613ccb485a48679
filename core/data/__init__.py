"""Datasets: spec strings, image sources (in memory or streamed from files), the evaluation transform."""

from .memory import Dataset
from .preprocess import to_model_input, adapt_images, INPUT_RANGE
from .source import BadImageError, pixel_batches, to_memory
from .spec import load_dataset, SPEC_HELP

__all__ = ["Dataset", "load_dataset", "to_model_input", "adapt_images", "INPUT_RANGE", "SPEC_HELP",
           "BadImageError", "pixel_batches", "to_memory"]
