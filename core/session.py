"""The session file ``*.qft``: a plan, its statistics and where they came from.

A zip archive (a directory with the same two files also loads) holding

- ``session.json``: ``{"format": "qftune-session", "version": 1, "model": {path,
  sha256}, "calibration": {data, per_class, limit, method, gamma, bins, n_images,
  qftune_version, ...}, "plan": Plan.to_dict()}``; floats round-trip exactly;
- ``histograms.npz``: ``t<i>_counts`` and ``t<i>_geometry`` for tensor ``i`` of the plan.

Saving is atomic (temporary file in the same folder, fsync, rename): a crash
mid-save leaves the previous file intact. A symlinked session is written through
to its target (the link stays a link). Loading validates everything and only
reads: a wrong version, a corrupt archive or JSON, or a model file whose content
hash differs from the recorded one is a :class:`SessionError` naming the file.

Nothing lost to concurrent writers: every save holds the advisory lock beside the
file (:mod:`core.locking`). Single edits (``set-range``, ``reset-range``, an
encodings import) use :func:`edit_session`: lock, re-read, edit, save, unlock.
Whole-session writers (the GUI's Save, ``calibrate --out`` over a session) save
a session loaded earlier: :meth:`Session.save` compares the file's content hash
with the one recorded at load (``disk_stamp``) and raises
:class:`SessionChangedError` ("S.qft changed since it was opened") unless forced.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .atomic import atomic_write_bytes
from .calib.histogram import Histogram
from .locking import file_lock
from .plan import Plan, PlanError

FORMAT = "qftune-session"
VERSION = 1
JSON_NAME, NPZ_NAME = "session.json", "histograms.npz"
# Far above any real session (MobileNetV2: 34 KB of JSON, 113 KB of histograms; 200 tensors at the
# largest --bins, 65,536, make about 100 MB of histograms): checked before anything is inflated.
MAX_JSON_BYTES = 64 << 20
MAX_NPZ_BYTES = 1 << 30
MAX_SESSION_BYTES = MAX_JSON_BYTES + MAX_NPZ_BYTES


class SessionError(ValueError):
    """A session file that cannot be used, with the file and the reason."""


class SessionChangedError(SessionError):
    """The file on disk is not the one this session was read from: saving would drop someone's edits."""

    def __init__(self, path, message: str | None = None):
        self.path = str(path)
        super().__init__(message or f"{path} changed since it was opened (another qftune process or an editor "
                         "saved it); reload it, save under another name, or overwrite it deliberately")


_UNSET = object()


def disk_stamp(path: str | Path) -> str | None:
    """Content hash of a session file (or directory) as it is on disk now; None when it does not exist."""
    path = Path(path)
    h = hashlib.sha256()
    try:
        if path.is_dir():
            for name in (JSON_NAME, NPZ_NAME):
                h.update((path / name).read_bytes())
        else:
            h.update(path.read_bytes())
    except FileNotFoundError:
        return None
    return h.hexdigest()


def qftune_version() -> str:
    try:
        from importlib.metadata import version

        return version("qftune")
    except Exception:
        return "0+unknown"


def model_hash(path) -> str:
    """The model file's (or SavedModel folder's) sha256, as recorded in the session."""
    from .checksum import sha256_file

    return sha256_file(path)


@dataclass
class Session:
    """A calibrated plan plus its provenance. ``path`` is where it was loaded from / last saved."""

    plan: Plan
    model_path: str | None = None
    model_sha256: str | None = None
    calibration: dict = field(default_factory=dict)
    path: str | None = None
    warnings: list[str] = field(default_factory=list)
    disk_stamp: str | None = None      # content hash of the file when loaded / last saved
    stamp_path: str | None = None      # the real path that stamp belongs to

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

    def save(self, path: str | Path | None = None, force: bool = False, expected=_UNSET) -> Path:
        """Write atomically to ``path`` (default: where it came from); returns the path.

        Holds the session's lock while writing. If the target is the file this session
        was loaded from (or last saved to) and its content changed since, raises
        :class:`SessionChangedError` unless ``force``. ``expected`` is the
        :func:`disk_stamp` the caller saw for ``path`` (None: it did not exist), for
        writers that did not load it (``calibrate --out``). A symlink is written through.
        """
        target = Path(path or self.path or "")
        if not str(path or self.path or ""):
            raise SessionError("no path to save the session to")
        if target.is_dir():
            raise SessionError(f"{target}: is a directory; sessions are saved as a single .qft file")
        data = self.to_bytes(target)
        real = Path(os.path.realpath(target))
        with file_lock(target):
            if not force:
                if expected is not _UNSET:
                    if disk_stamp(real) != expected:
                        raise SessionChangedError(target)
                elif self.stamp_path == str(real) and disk_stamp(real) != self.disk_stamp:
                    raise SessionChangedError(target)
            atomic_write_bytes(real, data)
        self.path = str(target)
        self.disk_stamp, self.stamp_path = hashlib.sha256(data).hexdigest(), str(real)
        return target

    def rechoose(self, method: str) -> Session:
        """A new, unsaved session of the same calibration whose plan chose every range with ``method``
        (:meth:`core.plan.Plan.rechoose`): a min/max twin of a greedy session, say."""
        return Session(self.plan.rechoose(method), self.model_path, self.model_sha256,
                       {**self.calibration, "method": method})

    def changed_on_disk(self) -> bool:
        """True when the file this session was loaded from / saved to no longer has that content."""
        return bool(self.stamp_path) and disk_stamp(self.stamp_path) != self.disk_stamp

    # ---- loading ----------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, model_path: str | Path | None = None, verify_model: bool = True) -> Session:
        """Read and validate ``path``.

        ``model_path`` points the session at a (moved) model file, which must have the
        recorded hash. Otherwise the recorded model is checked if it still exists; if it
        is gone, ``warnings`` says so (the plan is still usable).
        """
        path = Path(path)
        doc, npz, stamp = _read(path)
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
        except PlanError as exc:
            raise SessionError(f"{path}: {exc}") from None
        except (MemoryError, KeyboardInterrupt):
            raise
        except Exception as exc:   # a hand-edited or damaged document: any shape error, named
            raise SessionError(f"{path}: session.json is not a valid plan ({type(exc).__name__}: {exc})") from None
        model = doc.get("model") if isinstance(doc.get("model"), dict) else {}
        calibration = doc.get("calibration") if isinstance(doc.get("calibration"), dict) else {}
        recorded = model.get("path")
        rel = model.get("relpath")
        if isinstance(rel, str) and rel and (path.parent / rel).exists():
            recorded = str((path.parent / rel).resolve())
        session = cls(plan, recorded, model.get("sha256"), dict(calibration), str(path),
                      disk_stamp=stamp, stamp_path=os.path.realpath(path))
        if verify_model:
            session._verify_model(model_path)
        return session

    def require_model(self) -> str:
        """The calibrated model's path; a :class:`SessionError` naming the session when it is unknown or gone."""
        if not self.model_path:
            raise SessionError(f"{self.path}: the session records no model; pass the model's path")
        if not Path(self.model_path).exists():
            raise SessionError(f"{self.path}: the calibrated model {self.model_path} no longer exists; "
                               "pass its new path")
        return self.model_path

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


def _read(path: Path) -> tuple[dict, dict, str]:
    """(session.json, histograms, content stamp); every decoding failure is a SessionError naming ``path``."""
    from .bounded_read import DuplicateKeyError, ZipLimitError, check_npz, read_member, unique_keys

    if not path.exists():
        raise FileNotFoundError(f"{path}: no such session file")
    try:
        if path.is_dir():
            for name, limit in ((JSON_NAME, MAX_JSON_BYTES), (NPZ_NAME, MAX_NPZ_BYTES)):
                _check_size(path / name, (path / name).stat().st_size, limit)
            raw_json = (path / JSON_NAME).read_bytes()
            raw_npz = (path / NPZ_NAME).read_bytes()
            stamp = hashlib.sha256(raw_json + raw_npz).hexdigest()
        else:
            _check_size(path, path.stat().st_size, MAX_SESSION_BYTES)
            raw = path.read_bytes()
            stamp = hashlib.sha256(raw).hexdigest()
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                names = set(z.namelist())
                for needed in (JSON_NAME, NPZ_NAME):
                    if needed not in names:
                        raise SessionError(f"{path}: not a qftune session (no {needed} inside)")
                raw_json = read_member(z, JSON_NAME, str(path), MAX_JSON_BYTES)
                raw_npz = read_member(z, NPZ_NAME, str(path), MAX_NPZ_BYTES)
    except SessionError:
        raise
    except ZipLimitError as exc:
        raise SessionError(str(exc)) from None
    except FileNotFoundError as exc:
        raise SessionError(f"{path}: not a complete session directory ({exc.filename} missing)") from None
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:  # BadZipFile, zlib.error, CRC mismatch, EOFError, NotImplementedError, OSError...
        raise SessionError(f"{path}: not a readable qftune session (corrupt or not a zip archive: "
                           f"{type(exc).__name__}: {exc})") from None
    try:
        doc = json.loads(raw_json.decode("utf-8"), object_pairs_hook=unique_keys)
    except DuplicateKeyError as exc:
        raise SessionError(f"{path}: session.json lists the key {exc.key!r} twice in one object; "
                           "a hand-edited or damaged file (which value is meant is unknown)") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SessionError(f"{path}: session.json is corrupt ({type(exc).__name__}: {exc})") from None
    try:
        check_npz(raw_npz, f"{path}: {NPZ_NAME}", MAX_NPZ_BYTES)
        with np.load(io.BytesIO(raw_npz), allow_pickle=False) as f:
            npz = {k: f[k] for k in f.files}
    except ZipLimitError as exc:
        raise SessionError(str(exc)) from None
    except Exception as exc:
        raise SessionError(f"{path}: histograms.npz is corrupt ({type(exc).__name__}: {exc})") from None
    return doc, npz, stamp


def _check_size(path, size: int, limit: int) -> None:
    if size > limit:
        raise SessionError(f"{path}: {size:,} bytes; a session is far smaller (limit {limit:,} bytes): not reading it")


@contextmanager
def edit_session(path: str | Path, **load_kwargs):
    """Lock ``path``, load it fresh, yield the session, save it when the block ends normally.

    Concurrent editors of one file serialise here and each sees the others' edits, so
    none is lost. An exception in the block leaves the file untouched.
    """
    with file_lock(path):
        session = Session.load(path, **load_kwargs)
        yield session
        session.save()


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
