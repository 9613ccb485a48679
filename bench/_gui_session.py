"""A session for the GUI benchmarks: the bundled one, or a tiny calibrated stand-in."""

from __future__ import annotations

import tempfile
from pathlib import Path


def bench_session(path: str | None = None) -> tuple[str, str]:
    """(session path, description)."""
    from gui.app import DEFAULT_SESSION, bundled

    if path:
        return path, path
    p = bundled(DEFAULT_SESSION)
    if p.exists():
        return str(p), "bundled " + DEFAULT_SESSION
    from core.calibrate import calibrate
    from core.models import QFConfig, build

    d = Path(tempfile.mkdtemp(prefix="qftune_bench_"))
    model = d / "tiny_qf_v2.keras"
    build("mobilenet-v2", width=0.5, qf=QFConfig.full()).save(model)
    out = d / "tiny.qft"
    calibrate(str(model), "embedded", per_class=1).save(out)
    return str(out), "stand-in: untrained QF MobileNetV2 w0.5 (bundled session missing)"
