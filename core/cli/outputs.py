"""Outputs never overwrite inputs: one check every command with outputs runs before any work.

``check_outputs(inputs, outputs)`` refuses an output path that is the same file as an
input or as another output of the same command, however it is spelled: relative
paths, ``..``, symlinks (resolved) and hard links (same ``st_dev``/``st_ino``). It
also refuses to replace an existing file of another kind (a Keras model, a
session, a .tflite, sniffed by content, not by suffix) unless ``force``.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import CliError

SESSION, KERAS, HDF5, TFLITE, SAVEDMODEL, DIRECTORY = ("qftune session", "Keras model", "HDF5 model",
                                                      ".tflite model", "SavedModel", "directory")
PROTECTED = (SESSION, KERAS, HDF5, TFLITE, SAVEDMODEL)   # kinds never replaced by another kind without --force


class OutputError(CliError):
    """An output path the command refuses, phrased for the user."""


@dataclass(frozen=True)
class Output:
    label: str             # how the user named it: "--out", "--float-out", "the export report"
    path: str | Path
    kind: str | None       # what the command writes there (one of the kinds above), None: a plain file
    flag: str = "--force"  # the option that allows replacing a file of another kind


def sniff(path: str | Path) -> str | None:
    """What an existing file is, by content: one of the kinds above, or None (not a qftune/Keras file)."""
    p = Path(path)
    if p.is_dir():
        return SAVEDMODEL if (p / "saved_model.pb").exists() else DIRECTORY
    try:
        with open(p, "rb") as f:
            head = f.read(8)
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


def _identity(path: str | Path):
    """What makes two paths the same file: (device, inode) of an existing one, else its resolved path."""
    try:
        st = os.stat(path)           # follows symlinks
        return ("inode", st.st_dev, st.st_ino)
    except (FileNotFoundError, NotADirectoryError):
        return ("path", os.path.realpath(path))


def _how(a, b) -> str:
    if os.path.abspath(a) == os.path.abspath(b):
        return ""
    if os.path.realpath(a) == os.path.realpath(b):
        return " (through a symlink or relative path)"
    return " (a hard link to it)"


def check_outputs(inputs: list[tuple[str, str | Path]], outputs: list[Output], force: bool = False) -> None:
    """Raise :class:`OutputError` before any work when an output would destroy an input or another output.

    ``inputs`` are (label, path) pairs (missing paths are ignored; the command reports
    them); ``outputs`` the files the command will write.
    """
    seen_in = [(label, p, _identity(p)) for label, p in inputs if p is not None and os.path.exists(p)]
    seen_out: list[tuple[Output, tuple]] = []
    for out in outputs:
        if out.path is None:
            continue
        ident = _identity(out.path)
        for label, p, other in seen_in:
            if ident == other:
                raise OutputError(f"{out.label} {out.path} is the same file as {label} {p}{_how(out.path, p)}: "
                                  "refusing to overwrite an input; choose another output path")
        for prev, other in seen_out:
            if ident == other:
                raise OutputError(f"{prev.label} {prev.path} and {out.label} {out.path} are the same file"
                                  f"{_how(prev.path, out.path)}: one would overwrite the other; give them different paths")
        seen_out.append((out, ident))
        if os.path.isdir(out.path) and out.kind != DIRECTORY:
            raise OutputError(f"{out.label} {out.path} is a directory; give a file path")
        if out.kind == DIRECTORY:
            if os.path.exists(out.path) and not os.path.isdir(out.path):
                raise OutputError(f"{out.label} {out.path} exists and is not a directory ({sniff(out.path) or 'a file'})")
            continue
        existing = sniff(out.path) if os.path.exists(out.path) else None
        if existing in PROTECTED and existing != out.kind and not force:
            what = f"a {out.kind}" if out.kind else "this file"
            raise OutputError(f"{out.label} {out.path} already exists and is a {existing}; refusing to replace it "
                              f"with {what} (pass {out.flag} to replace it)")


def check_train_outputs(out: str | Path, resume: bool, force: bool = False) -> None:
    """``qftune train --out M.keras``: M.keras, M.ckpt.keras (the input with --resume) and M.log.json."""
    stem = Path(out).with_suffix("")
    ckpt, log = Path(f"{stem}.ckpt.keras"), Path(f"{stem}.log.json")
    inputs = [("the checkpoint --resume continues from", ckpt)] if resume else []
    outputs = [Output("--out", out, KERAS), Output("the training log", log, None)]
    if not resume:
        outputs.append(Output("the checkpoint", ckpt, KERAS))
    check_outputs(inputs, outputs, force=force)
