"""Write an equalized model: ``M_eq.keras``, its ``M_eq.dfq.json`` report, and a card with the input convention."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..atomic import atomic_write_text
from .preact import sidecar_path


def check_paths(model_path, out) -> Path:
    """The output path, refused when it is the input or not a ``.keras`` file."""
    src, out = Path(model_path), Path(out)
    if out.suffix.lower() != ".keras":
        raise ValueError(f"--out {out}: the equalized model is written as a .keras file (got {out.suffix or 'no suffix'})")
    same = out.resolve() == src.resolve() or (out.exists() and src.exists() and os.path.samefile(out, src))
    if same:
        raise ValueError(f"--out {out} is the input model {model_path}: refusing to overwrite the input; "
                         "choose another file (e.g. MODEL_eq.keras)")
    for side in (sidecar_path(out), out.with_suffix(".json")):
        if side.resolve() == src.resolve():
            raise ValueError(f"--out {out} would overwrite the input {model_path} with its {side.name}")
    return out


def write_result(result, model_path, out, convention=None) -> dict:
    """Save ``result.model`` to ``out`` (atomically), its report beside it; returns the report dict."""
    out = check_paths(model_path, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".keras", dir=out.parent)
    os.close(fd)
    try:
        result.model.save(tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    doc = {"model": str(out), "source": str(model_path), **result.to_dict()}
    atomic_write_text(sidecar_path(out), json.dumps(doc, indent=1))
    if convention is not None:
        card = {"model": out.name, "derived_from": str(model_path),
                "note": "qftune equalize: BN folded, cross-layer equalized" +
                        (", bias absorbed" if result.bias_absorption else ""),
                "input_convention": convention.to_dict()}
        atomic_write_text(out.with_suffix(".json"), json.dumps(card, indent=2))
    return doc
