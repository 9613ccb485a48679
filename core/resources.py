"""Where bundled files live: the top-level ``resources/`` folder (installed as package data)."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def resource_path(name: str) -> Path:
    path = RESOURCES / name
    if not path.exists():
        raise FileNotFoundError(f"{path}: bundled resource missing (is the checkout complete?)")
    return path
