"""The presenter's cache: where it lives, what it records, and reading it back (no TensorFlow, no Qt).

``qftune present --prepare A B`` writes one folder (default: ``present-<A>-vs-<B>`` beside session A)::

    story.json          the steps, every figure and sentence, the sessions' sha256, the host
    thumbs/<i>.png      the sample images (as the model sees them, at most 96 px)
    weights.npz         the worst layer's per-channel max|w|, erased and dead channels

The presenter window only reads this folder, so a step never waits on TensorFlow. A cache whose
sessions changed since (sha256) is refused by :func:`check_fresh` with the command that rebuilds it.
"""

from __future__ import annotations

import json
from pathlib import Path

FORMAT = "qftune-present"
VERSION = 1
STORY = "story.json"
WEIGHTS = "weights.npz"
THUMBS = "thumbs"
STEP_KINDS = ("float", "int8", "cause", "fix", "phone")


class StoryError(ValueError):
    """A cache that is missing, damaged or prepared for other sessions; the message says what to run."""


def default_dir(session_a, session_b) -> Path:
    """``present-<A stem>-vs-<B stem>`` in session A's folder."""
    a, b = Path(session_a), Path(session_b)
    return a.resolve().parent / f"present-{a.stem}-vs-{b.stem}"


def bundled_pair() -> tuple[Path, Path]:
    """The default story: the bundled original MobileNetV1 session and its QF twin."""
    from ..resources import RESOURCES

    return (RESOURCES / "sessions" / "mobilenet_v1_orig_fmnist.qft",
            RESOURCES / "sessions" / "mobilenet_v1_qf_fmnist.qft")


def prepare_command(session_a, session_b, out=None) -> str:
    """The command that (re)builds the cache, as the user types it."""
    a, b = bundled_pair()
    pair = "" if (Path(session_a).resolve(), Path(session_b).resolve()) == (a.resolve(), b.resolve()) \
        else f" {session_a} {session_b}"
    return f"qftune present --prepare{pair}" + (f" --out {out}" if out else "")


def file_sha256(path) -> str:
    from ..checksum import sha256_file

    return sha256_file(path)


def load_story(folder) -> dict:
    """The story of the cache ``folder`` (story.json parsed and checked); :class:`StoryError` naming what is wrong."""
    folder = Path(folder)
    path = folder / STORY
    if not path.is_file():
        raise StoryError(f"{folder}: no prepared presenter cache ({STORY} missing)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoryError(f"{path}: not a readable presenter cache ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise StoryError(f"{path}: not a qftune presenter cache")
    if doc.get("version") != VERSION:
        raise StoryError(f"{path}: presenter cache version {doc.get('version')}, this qftune reads {VERSION}")
    steps = doc.get("steps")
    if not isinstance(steps, list) or not steps or any(
            not isinstance(s, dict) or s.get("kind") not in STEP_KINDS for s in steps):
        raise StoryError(f"{path}: the cache's steps are missing or of an unknown kind")
    doc["folder"] = str(folder.resolve())
    return doc


def check_fresh(story: dict, session_a, session_b) -> None:
    """Raise :class:`StoryError` when ``story`` was prepared for other sessions or they changed since."""
    for key, path in (("a", session_a), ("b", session_b)):
        recorded = story.get("sessions", {}).get(key, {})
        p = Path(path)
        if not p.is_file():
            raise StoryError(f"session {p}: no such file")
        if recorded.get("sha256") != file_sha256(p):
            raise StoryError(f"the presenter cache {story.get('folder')} was prepared for "
                             f"{recorded.get('path', 'another session')}, not the current {p}")


def open_story(session_a, session_b, out=None) -> dict:
    """The fresh cache of the pair (in ``out`` or the default folder); :class:`StoryError` saying how to prepare it."""
    folder = Path(out) if out else default_dir(session_a, session_b)
    how = f"prepare it before the talk with: {prepare_command(session_a, session_b, out)}"
    try:
        story = load_story(folder)
        check_fresh(story, session_a, session_b)
    except StoryError as exc:
        raise StoryError(f"{exc}; {how}") from None
    return story


def weights_data(story: dict) -> dict:
    """The cause step's arrays (``abs_max``, ``collapsed``, ``dead``, ``levels``) from weights.npz."""
    import numpy as np

    path = Path(story["folder"]) / WEIGHTS
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError) as exc:
        raise StoryError(f"{path}: unreadable ({exc})") from None
