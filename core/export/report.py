"""The export report ``MODEL.export.json``: where it lives, what it holds, how it is read, written and checked.

Every int8 export writes one beside the .tflite. It records the plan's parameters as stored in
the file, the verification, the input convention, and the sha256 of the int8 file, of its float
twin and of the Keras model it was exported from. Whoever reads one of qftune's own exports
(compare, evaluate, deploy, the GUI) calls :func:`check_export` first: a byte changed since
export, or a file exported from another model, is a clear :class:`ExportMismatchError` naming
both files, instead of numbers that look like quantization damage. Files without a report
(exported elsewhere) pass unchecked: there is nothing to check them against.
:func:`require_int8_export` also refuses the float twin where the int8 model is meant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..checksum import sha256_bytes, sha256_file
from ..outputs import EXPORT_REPORT, TFLITE, Output

SUFFIX = ".export.json"


class ExportMismatchError(ValueError):
    """An exported file that is not what its report (or the caller) says it is."""


@dataclass
class ExportReport:
    model: str
    weights: str
    size_bytes: int = 0
    path: str = ""
    tensors: list[dict] = field(default_factory=list)
    weight_checks: list[dict] = field(default_factory=list)
    ops: dict = field(default_factory=dict)
    verification: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    float_path: str | None = None
    input_convention: dict | None = None   # InputConvention.to_dict(): how a pixel becomes the int8 input's float
    bias_correction: dict | None = None   # core.equalize.bias_correction report, when applied
    sha256: str = ""                   # of the int8 file written, checked by check_export
    float_sha256: str | None = None    # of the float twin
    model_sha256: str | None = None    # of the Keras model file it was exported from

    @property
    def tflite_index(self) -> dict[str, int]:
        """Plan tensor name -> its tensor index in the .tflite."""
        return {t["name"]: t["tflite_index"] for t in self.tensors}

    def stamp(self, int8: bytes, float_twin: bytes | None = None, source_model: str | Path | None = None) -> None:
        """Record the checksums of the files this report describes (before they are written)."""
        self.sha256 = sha256_bytes(int8)
        if float_twin is not None:
            self.float_sha256 = sha256_bytes(float_twin)
        if source_model and Path(source_model).exists():
            self.model_sha256 = sha256_file(source_model)

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_bytes(self) -> bytes:
        return self.to_json().encode("utf-8")

    @classmethod
    def from_dict(cls, d: dict) -> ExportReport:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})

    @classmethod
    def load(cls, path: str | Path) -> ExportReport:
        """The report at ``path`` (a report file, not the .tflite); :class:`ExportMismatchError` if unreadable."""
        return cls.from_dict(read_report(Path(path)))


def report_path(model_path: str | Path) -> Path:
    """Where the export report of ``MODEL.tflite`` lives: ``MODEL.export.json``."""
    p = Path(model_path)
    return p.with_name(p.stem + SUFFIX)


def export_outputs(out: str | Path, float_out: str | Path | None = None) -> list[Output]:
    """Every file ``export --out OUT [--float-out F]`` writes, for :func:`core.outputs.check_outputs`."""
    files = [Output("--out", out, TFLITE), Output("the export report", report_path(out), EXPORT_REPORT)]
    if float_out is not None:
        files.append(Output("--float-out", float_out, TFLITE))
    return files


def read_report(rp: Path) -> dict:
    """The report file ``rp`` as a dict; :class:`ExportMismatchError` naming it when unreadable."""
    try:
        d = json.loads(Path(rp).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ExportMismatchError(f"{rp}: the export report is unreadable ({type(exc).__name__}: {exc}); "
                                  "export again or remove it") from None
    if not isinstance(d, dict):
        raise ExportMismatchError(f"{rp}: not a qftune export report")
    return d


def report_of(tflite: str | Path) -> dict | None:
    """The report beside ``tflite`` (``MODEL.export.json``) as a dict, or None (none, or unreadable)."""
    try:
        return read_report(report_path(tflite))
    except ExportMismatchError:
        return None


def find_report(tflite: str | Path) -> tuple[Path, dict, str] | None:
    """(report path, report, "int8" or "float") describing ``tflite``, or None."""
    p = Path(tflite)
    rp = report_path(p)
    if rp.is_file():
        return rp, read_report(rp), "int8"
    # the float twin: described by the int8 file's report in the same folder
    try:
        siblings = sorted(p.parent.glob("*" + SUFFIX))
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
        have = sha256_file(source_model)
        if have != want:
            raise ExportMismatchError(f"{tflite} was exported from {report.get('model') or 'another model'} "
                                      f"(sha256 {want[:12]}...), not from {source_model} (sha256 {have[:12]}...): "
                                      "they are different models, so the comparison would be meaningless")
    return report


def require_int8_export(tflite: str | Path, source_model: str | Path | None = None) -> dict | None:
    """:func:`check_export`, and refuse ``tflite`` when its report says it is the float twin of an int8 export.

    Returns the report (None: no report; the caller then checks the model's input type itself).
    """
    found = find_report(tflite)
    if found is not None and found[2] == "float":
        rp, report, _ = found
        int8 = report.get("path") or str(rp.with_name(rp.name[:-len(SUFFIX)] + ".tflite"))
        raise ExportMismatchError(f"{tflite} is the float32 twin of {int8} (its export report {rp.name} says so), "
                                  f"not an int8 model: give the int8 file {Path(int8).name}")
    return check_export(tflite, source_model)
