"""Presenter mode (issue 22 §3): the story's cached figures, full screen, keyboard-driven."""
