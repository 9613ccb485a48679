"""The files a command writes: one rule for every one of them, sidecars included, and one writer.

The rule (README, "The command line"): an output never overwrites an input or another output
of the same command, and an existing file of another kind is replaced only with ``--force``,
never silently. "Kind" is sniffed from the content, not the suffix: a Keras model, a session,
a .tflite, and the JSON files qftune writes beside them (an export report, a model card, a
training log, an equalization report, AIMET encodings). An empty file holds nothing and may
be replaced; any other file that is not of the kind being written is refused.

``check_outputs(inputs, outputs)`` applies the rule to every file of a command at once, before
any work. ``write_outputs(files)`` checks again and writes a whole set of files all-or-nothing:
each to a temporary file beside its target first, then all renamed into place. A write that
fails (a full disk) names the file and leaves every target as it was.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .atomic import fsync_dir

SESSION, KERAS, HDF5, TFLITE, SAVEDMODEL, DIRECTORY = ("qftune session", "Keras model", "HDF5 model",
                                                      ".tflite model", "SavedModel", "directory")
EXPORT_REPORT, MODEL_CARD, TRAINING_LOG, DFQ_REPORT, ENCODINGS = (
    "qftune export report", "model card", "qftune training log", "qftune equalization report", "AIMET encodings file")
_ARTICLE = {HDF5: "an", ENCODINGS: "an"}
_SNIFF_JSON_LIMIT = 256 << 20      # a JSON sidecar larger than this is not one qftune wrote


def a(kind: str) -> str:
    """``kind`` with its article: "a Keras model", "an AIMET encodings file"."""
    return f"{_ARTICLE.get(kind, 'a')} {kind}"


class OutputError(ValueError):
    """An output path the command refuses, phrased for the user."""


class WriteError(OSError):
    """Writing an output failed (a full disk, a read-only folder); names the file. Nothing was replaced."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "write failed"


@dataclass(frozen=True)
class Output:
    label: str             # how the user named it: "--out", "--float-out", "the export report"
    path: str | Path
    kind: str | None       # what the command writes there (one of the kinds above); None: any file, only
                           # the model and session kinds are protected
    flag: str = "--force"  # the option that allows replacing a file of another kind


def _json_kind(doc) -> str | None:
    """Which of qftune's JSON files ``doc`` is (most specific first), or None."""
    if not isinstance(doc, dict):
        return None
    keys = set(doc)
    if "activation_encodings" in keys or "param_encodings" in keys:
        return ENCODINGS
    if {"weights", "tensors"} <= keys and keys & {"verification", "sha256", "size_bytes"}:
        return EXPORT_REPORT
    if {"config", "epochs"} <= keys:
        return TRAINING_LOG
    if {"pairs", "spread"} <= keys:
        return DFQ_REPORT
    if isinstance(doc.get("model"), str):
        return MODEL_CARD
    return None


def sniff(path: str | Path) -> str | None:
    """What an existing file is, by content: one of the kinds above, or None (not a file qftune knows)."""
    p = Path(path)
    if p.is_dir():
        return SAVEDMODEL if (p / "saved_model.pb").exists() else DIRECTORY
    try:
        with open(p, "rb") as f:
            head = f.read(8)
            if head[:1] in (b"{", b"[") or head.lstrip()[:1] == b"{":
                f.seek(0)
                raw = f.read(_SNIFF_JSON_LIMIT + 1)
                if len(raw) > _SNIFF_JSON_LIMIT:
                    return None
                try:
                    return _json_kind(json.loads(raw.decode("utf-8")))
                except (UnicodeDecodeError, ValueError, RecursionError):
                    return None
    except OSError:
        return None
    if len(head) >= 8 and head[4:8] == b"TFL3":
        return TFLITE
    if head == b"\x89HDF\r\n\x1a\n":
        return HDF5
    if head[:2] == b"PK":
        try:
            with zipfile.ZipFile(p) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return None
        if "session.json" in names:
            return SESSION
        if "config.json" in names and any(n.endswith(".weights.h5") or n == "metadata.json" for n in names):
            return KERAS
    return None


PROTECTED = (SESSION, KERAS, HDF5, TFLITE, SAVEDMODEL)   # what an Output of kind None never replaces silently


def _identity(path: str | Path):
    """What makes two paths the same file: (device, inode) of an existing one, else its resolved path."""
    try:
        st = os.stat(path)           # follows symlinks
        return ("inode", st.st_dev, st.st_ino)
    except (FileNotFoundError, NotADirectoryError):
        return ("path", os.path.realpath(path))


def _how(x, y) -> str:
    if os.path.abspath(x) == os.path.abspath(y):
        return ""
    if os.path.realpath(x) == os.path.realpath(y):
        return " (through a symlink or relative path)"
    return " (a hard link to it)"


def _replaceable(out: Output) -> str | None:
    """None when ``out.path`` may be replaced without ``--force``; else what it is (for the message)."""
    try:
        st = os.stat(out.path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if st.st_size == 0 and not os.path.isdir(out.path):
        return None                      # an empty file holds nothing
    existing = sniff(out.path)
    if existing == out.kind:
        return None
    if out.kind is None:
        return a(existing) if existing in PROTECTED else None
    return a(existing) if existing else f"not {a(out.kind)} (a file qftune did not write as one)"


def check_outputs(inputs: list[tuple[str, str | Path]], outputs: list[Output], force: bool = False) -> None:
    """Raise :class:`OutputError` before any work when an output would destroy an input, another output,
    or an existing file of another kind (without ``force``).

    ``inputs`` are (label, path) pairs (missing paths are ignored; the command reports
    them); ``outputs`` every file the command will write, sidecars included.
    """
    seen_in = [(label, p, _identity(p)) for label, p in inputs if p is not None and os.path.exists(p)]
    seen_out: list[tuple[Output, tuple]] = []
    checked: set[str] = set()
    for out in outputs:
        if out.path is None:
            continue
        ident = _identity(out.path)
        for label, p, other in seen_in:
            if ident == other:
                raise OutputError(f"{out.label} {out.path} is the same file as {label} {p}{_how(out.path, p)}: "
                                  "refusing to overwrite the input; choose another output path")
        for prev, other in seen_out:
            if ident == other:
                raise OutputError(f"{prev.label} {prev.path} and {out.label} {out.path} are the same file"
                                  f"{_how(prev.path, out.path)}: one would overwrite the other; give them different paths")
        seen_out.append((out, ident))
        if os.path.isdir(out.path) and out.kind != DIRECTORY:
            raise OutputError(f"{out.label} {out.path} is a directory; give a file path")
        if out.kind == DIRECTORY:
            if os.path.exists(out.path) and not os.path.isdir(out.path):
                raise OutputError(f"{out.label} {out.path} exists and is not a directory ({a(sniff(out.path) or 'file')})")
            continue
        _check_folder_writable(out, checked)
        what = _replaceable(out)
        if what is not None and not force:
            writes = a(out.kind) if out.kind else "this file"
            raise OutputError(f"{out.label} {out.path} already exists and is {what}; refusing to replace it "
                              f"with {writes} (pass {out.flag} to replace it)")


def _check_folder_writable(out: Output, checked: set[str]) -> None:
    """Before any work: a file can be created in the folder ``out`` goes to (its nearest existing
    ancestor, since missing folders are created). Probed with a real temporary file: permissions
    alone do not tell (root, read-only mounts, /proc)."""
    folder = Path(os.path.abspath(out.path)).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if str(folder) in checked:
        return
    checked.add(str(folder))
    import tempfile

    try:
        fd, probe = tempfile.mkstemp(prefix=".qftune-probe.", dir=folder)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"{out.label} {out.path}: the folder {folder} is not writable ({reason}); "
                          "choose another folder") from None
    os.close(fd)
    os.unlink(probe)


Content = bytes | Callable[[Path], None]    # the bytes, or a function writing the file at the path it is given


def write_outputs(files: list[tuple[Output, Content]], force: bool = False,
                  inputs: list[tuple[str, str | Path]] = ()) -> None:
    """Write a set of files all-or-nothing, after :func:`check_outputs` on all of them.

    Every file goes to a temporary file beside its target first (flushed to disk); only when all
    are complete are they renamed into place. A failure while writing (``ENOSPC``, ``EDQUOT``, a
    read-only folder) raises :class:`WriteError` naming the file, with every target untouched and
    no temporary file left. A symlinked target is written through.
    """
    check_outputs(list(inputs), [o for o, _ in files], force)
    temps: list[str] = []
    try:
        for out, content in files:
            target = Path(os.path.realpath(out.path))
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent)
                temps.append(tmp)
                if callable(content):
                    os.close(fd)
                    content(Path(tmp))
                    fd = os.open(tmp, os.O_RDONLY)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
                else:
                    with os.fdopen(fd, "wb") as f:
                        f.write(content)
                        f.flush()
                        os.fsync(f.fileno())
                os.chmod(tmp, _mode_for(target))
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise WriteError(f"cannot write {out.label} {out.path}: {reason}"
                                 + (f" [errno {exc.errno}]" if exc.errno else "")
                                 + "; nothing was written" + (f" ({_others(files, out)} not written either)"
                                                              if len(files) > 1 else "")) from exc
        for (out, _), tmp in zip(files, temps, strict=True):
            os.replace(tmp, os.path.realpath(out.path))
    finally:
        for tmp in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
    for folder in {Path(os.path.realpath(o.path)).parent for o, _ in files}:
        fsync_dir(folder)


def _others(files, failed: Output) -> str:
    return ", ".join(str(o.path) for o, _ in files if o is not failed)


def _mode_for(target: Path) -> int:
    """The mode a plain open() would give a new file (or the old file's)."""
    try:
        return os.stat(target).st_mode & 0o777
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
