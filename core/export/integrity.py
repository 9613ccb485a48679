"""Is this .tflite the file qftune exported, from the model the caller means?

Every export report (``MODEL.export.json``) records the sha256 of the int8 file, of
its float twin and of the Keras model it was exported from. Whoever reads one of
qftune's own exports (compare, evaluate, deploy, the GUI) calls
:func:`check_export` first: a byte changed since export, or a file exported from
another model, is a clear :class:`ExportMismatchError` naming both files, instead
of numbers that look like quantization damage. Files without a report (exported
elsewhere) pass unchecked: there is nothing to check them against.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


class ExportMismatchError(ValueError):
    """An exported file that is not what its report (or the caller) says it is."""


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_report(rp: Path) -> dict:
    try:
        d = json.loads(rp.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ExportMismatchError(f"{rp}: the export report is unreadable ({type(exc).__name__}: {exc}); "
                                  "export again or remove it") from None
    if not isinstance(d, dict):
        raise ExportMismatchError(f"{rp}: not a qftune export report")
    return d


def find_report(tflite: str | Path) -> tuple[Path, dict, str] | None:
    """(report path, report, "int8" or "float") describing ``tflite``, or None."""
    from .export import report_path

    p = Path(tflite)
    rp = report_path(p)
    if rp.is_file():
        return rp, _read_report(rp), "int8"
    # the float twin: described by the int8 file's report in the same folder
    try:
        siblings = sorted(p.parent.glob("*.export.json"))
    except OSError:
        return None
    for other in siblings:
        try:
            d = json.loads(other.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            continue
        fp = d.get("float_path") if isinstance(d, dict) else None
        if isinstance(fp, str) and Path(fp).name == p.name:
            return other, d, "float"
    return None


def check_export(tflite: str | Path, source_model: str | Path | None = None) -> dict | None:
    """Verify ``tflite`` against its export report; returns the report (None: no report).

    ``source_model``: the Keras model file the caller pairs it with; refused when the
    report says the .tflite was exported from a different model (by content hash).
    """
    found = find_report(tflite)
    if found is None:
        return None
    rp, report, role = found
    recorded = report.get("sha256" if role == "int8" else "float_sha256")
    if isinstance(recorded, str) and recorded:
        actual = sha256_file(tflite)
        if actual != recorded:
            raise ExportMismatchError(f"{tflite}: the file changed since it was exported (sha256 {actual[:12]}..., "
                                      f"its export report {rp.name} recorded {recorded[:12]}...): it was modified or "
                                      "damaged; export it again")
    want = report.get("model_sha256")
    if source_model is not None and isinstance(want, str) and want and Path(source_model).is_file():
        from ..models.loading import file_hash

        have = file_hash(source_model)
        if have != want:
            raise ExportMismatchError(f"{tflite} was exported from {report.get('model') or 'another model'} "
                                      f"(sha256 {want[:12]}...), not from {source_model} (sha256 {have[:12]}...): "
                                      "they are different models, so the comparison would be meaningless")
    return report
