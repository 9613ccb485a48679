"""Datasets: spec strings, image sources (in memory or streamed from files), the evaluation transform."""

from .memory import Dataset, to_memory
from .preprocess import INPUT_RANGE, adapt_images, to_model_input
from .source import BadImageError, pixel_batches
from .spec import SPEC_HELP, load_dataset

__all__ = ["Dataset", "load_dataset", "to_model_input", "adapt_images", "INPUT_RANGE", "SPEC_HELP",
           "BadImageError", "pixel_batches", "to_memory"]
