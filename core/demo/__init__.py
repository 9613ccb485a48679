"""The headless end-to-end demo (``qftune demo``) and its HTML/PNG report."""

from .pipeline import DemoConfig, bundled_models, check_folder, headline, run_demo

__all__ = ["DemoConfig", "bundled_models", "check_folder", "headline", "run_demo"]
