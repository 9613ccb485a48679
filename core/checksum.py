"""sha256 of a file, or of a SavedModel folder: the one checksum qftune records and compares.

Export reports (:mod:`core.export.report`), sessions (their model's hash) and the device push
(:mod:`core.device.deploy`) all use :func:`sha256_file`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """sha256 of a file, or of every file of a directory (sorted by relative path, each path hashed too)."""
    path = Path(path)
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for p in files:
        if path.is_dir():
            h.update(str(p.relative_to(path)).encode())
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()
