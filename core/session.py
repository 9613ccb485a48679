"""The session file ``*.qft``: a plan, its statistics and where they came from.

A zip archive (a directory with the same two files also loads) holding

- ``session.json``: ``{"format": "qftune-session", "version": 1, "model": {path,
  sha256}, "calibration": {data, per_class, limit, method, gamma, bins, n_images,
  qftune_version, ...}, "plan": Plan.to_dict()}``; floats round-trip exactly;
- ``histograms.npz``: ``t<i>_counts`` and ``t<i>_geometry`` for tensor ``i`` of the plan.

Saving is atomic (temporary file in the same folder, fsync, rename): a crash
mid-save leaves the previous file intact. Loading validates everything and only
reads: a wrong version, a corrupt archive or JSON, or a model file whose content
hash differs from the recorded one is a :class:`SessionError` naming the file.
"""

from __future__ import annotations

import io
import os
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .atomic import atomic_write_bytes
from .calib.histogram import Histogram
from .plan import Plan, PlanError

FORMAT = "qftune-session"
VERSION = 1
JSON_NAME, NPZ_NAME = "session.json", "histograms.npz"


class SessionError(ValueError):
    """A session file that cannot be used, with the file and the reason."""


def qftune_version() -> str:
    try:
        from importlib.metadata import version

        return version("qftune")
    except Exception:
        return "0+unknown"


def model_hash(path) -> str:
    from .models.loading import file_hash

    return file_hash(path)


@dataclass
class Session:
    """A calibrated plan plus its provenance. ``path`` is where it was loaded from / last saved."""

    plan: Plan
    model_path: str | None = None
    model_sha256: str | None = None
    calibration: dict = field(default_factory=dict)
    path: str | None = None
    warnings: list[str] = field(default_factory=list)

    # ---- saving -----------------------------------------------------------------
    def to_bytes(self, target: Path | None = None) -> bytes:
        model = {"path": self.model_path, "sha256": self.model_sha256}
        if self.model_path and target is not None:
            # also relative to the session's folder, so a session and its model can move
            # together (a clone of the repo, a copied demo folder)
            try:
                model["relpath"] = os.path.relpath(Path(self.model_path).resolve(), Path(target).resolve().parent)
            except ValueError:   # another drive
                pass
        doc = {"format": FORMAT, "version": VERSION, "model": model,
               "calibration": self.calibration, "plan": self.plan.to_dict()}
        arrays = {}
        for i, e in enumerate(self.plan):
            a = e.stats.to_arrays()
            arrays[f"t{i}_counts"], arrays[f"t{i}_geometry"] = a["counts"], a["geometry"]
        npz = io.BytesIO()
        np.savez_compressed(npz, **arrays)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(JSON_NAME, json.dumps(doc, indent=1, allow_nan=False))
            z.writestr(NPZ_NAME, npz.getvalue())
        return buf.getvalue()

    def save(self, path: str | Path | None = None) -> Path:
        """Write atomically to ``path`` (default: where it came from); returns the path."""
        target = Path(path or self.path or "")
        if not str(path or self.path or ""):
            raise SessionError("no path to save the session to")
        if target.is_dir():
            raise SessionError(f"{target}: is a directory; sessions are saved as a single .qft file")
        atomic_write_bytes(target, self.to_bytes(target))
        self.path = str(target)
        return target

    # ---- loading ----------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, model_path: str | Path | None = None, verify_model: bool = True) -> "Session":
        """Read and validate ``path``.

        ``model_path`` points the session at a (moved) model file, which must have the
        recorded hash. Otherwise the recorded model is checked if it still exists; if it
        is gone, ``warnings`` says so (the plan is still usable).
        """
        path = Path(path)
        doc, npz = _read(path)
        _check_doc(path, doc)
        try:
            plan_doc = doc["plan"]
            stats = {}
            for i, t in enumerate(plan_doc["tensors"]):
                try:
                    stats[t["name"]] = Histogram.from_arrays(npz[f"t{i}_counts"], npz[f"t{i}_geometry"])
                except KeyError:
                    raise SessionError(f"{path}: histograms.npz has no statistics for tensor {i} ({t['name']})") from None
            plan = Plan.from_dict(plan_doc, stats)
        except SessionError:
            raise
        except (KeyError, TypeError, ValueError, PlanError) as exc:
            raise SessionError(f"{path}: session.json is not a valid plan ({type(exc).__name__}: {exc})") from None
        model = doc.get("model") or {}
        recorded = model.get("path")
        rel = model.get("relpath")
        if rel and (path.parent / rel).exists():
            recorded = str((path.parent / rel).resolve())
        session = cls(plan, recorded, model.get("sha256"), dict(doc.get("calibration") or {}), str(path))
        if verify_model:
            session._verify_model(model_path)
        return session

    def _verify_model(self, model_path=None) -> None:
        if model_path is not None:
            p = Path(model_path)
            if not p.exists():
                raise SessionError(f"model {p}: no such file")
            actual = model_hash(p) if self.model_sha256 else None
            if actual is not None and actual != self.model_sha256:
                raise SessionError(f"{self.path}: model {p} is not the model this session was calibrated on "
                                   f"(sha256 {actual[:12]}..., recorded {self.model_sha256[:12]}...)")
            self.model_path = str(p.resolve())
            return
        if not self.model_path:
            return
        p = Path(self.model_path)
        if not p.exists():
            self.warnings.append(f"the calibrated model {p} no longer exists; export needs it (pass its new path)")
            return
        actual = model_hash(p)
        if self.model_sha256 and actual != self.model_sha256:
            raise SessionError(f"{self.path}: the model {p} changed since calibration (sha256 now {actual[:12]}..., "
                               f"recorded {self.model_sha256[:12]}...); calibrate again, or pass the original model")


def _read(path: Path) -> tuple[dict, dict]:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such session file")
    try:
        if path.is_dir():
            raw_json = (path / JSON_NAME).read_bytes()
            raw_npz = (path / NPZ_NAME).read_bytes()
        else:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                for needed in (JSON_NAME, NPZ_NAME):
                    if needed not in names:
                        raise SessionError(f"{path}: not a qftune session (no {needed} inside)")
                raw_json, raw_npz = z.read(JSON_NAME), z.read(NPZ_NAME)
    except SessionError:
        raise
    except FileNotFoundError as exc:
        raise SessionError(f"{path}: not a complete session directory ({exc.filename} missing)") from None
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
        raise SessionError(f"{path}: not a readable qftune session (corrupt or not a zip archive: {exc})") from None
    try:
        doc = json.loads(raw_json.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SessionError(f"{path}: session.json is corrupt ({exc})") from None
    try:
        with np.load(io.BytesIO(raw_npz), allow_pickle=False) as f:
            npz = {k: f[k] for k in f.files}
    except Exception as exc:
        raise SessionError(f"{path}: histograms.npz is corrupt ({type(exc).__name__}: {exc})") from None
    return doc, npz


def _check_doc(path: Path, doc) -> None:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SessionError(f"{path}: not a qftune session (format {doc.get('format') if isinstance(doc, dict) else None!r})")
    v = doc.get("version")
    if v != VERSION:
        newer = isinstance(v, int) and v > VERSION
        raise SessionError(f"{path}: session format version {v!r} "
                           f"{'is newer than' if newer else 'is not'} the version this qftune reads ({VERSION})"
                           + ("; update qftune" if newer else ""))
    if not isinstance(doc.get("plan"), dict):
        raise SessionError(f"{path}: session.json has no plan")
