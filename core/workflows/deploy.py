"""Deploy: measure .tflite files on an Android phone (latency rounds, accuracy) over ADB."""

from __future__ import annotations

from ..progress import NULL_PROGRESS


def labels_for(paths: list[str]) -> dict[str, str]:
    """``{label: path}`` with each file's stem as its label (primed when two stems are equal)."""
    from pathlib import Path

    out = {}
    for p in paths:
        label = Path(p).stem
        while label in out:
            label += "'"
        out[label] = p
    return out


def deploy(models: dict[str, str], config, progress=NULL_PROGRESS, on_event=None):
    """Check that each of ``models`` (``{label: .tflite path}``) that qftune exported is still the file
    it verified, then measure them with ``config`` (a :class:`core.device.MeasureConfig`);
    ``on_event(MeasureEvent)`` hears the device, each round and each accuracy as they arrive.
    Returns the :class:`core.device.MeasureReport`."""
    from ..device import measure
    from ..export.report import check_export

    for path in models.values():
        check_export(path)
    return measure(models, config, progress=progress, on_event=on_event)
