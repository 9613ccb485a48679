"""Bundled models, embedded data and icons."""
