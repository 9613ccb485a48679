"""Write an equalized model: ``M_eq.keras``, its ``M_eq.dfq.json`` report, and a card with the input convention."""

from __future__ import annotations

import json
from pathlib import Path

from ..outputs import DFQ_REPORT, KERAS, MODEL_CARD, Output, check_outputs, write_outputs
from .preact import sidecar_path


def equalized_outputs(out, card: bool = True) -> list[Output]:
    """The files ``equalize --out M_eq.keras`` writes: the model, its ``.dfq.json`` report and its card."""
    out = Path(out)
    files = [Output("--out", out, KERAS), Output("the equalization report", sidecar_path(out), DFQ_REPORT)]
    if card:
        files.append(Output("the model card", out.with_suffix(".json"), MODEL_CARD))
    return files


def check_paths(model_path, out, force: bool = False) -> Path:
    """The output path, refused when it is not a ``.keras`` file, when it or a sidecar is the input, or
    (without ``force``) when one of them exists and is another kind of file."""
    out = Path(out)
    if out.suffix.lower() != ".keras":
        raise ValueError(f"--out {out}: the equalized model is written as a .keras file (got {out.suffix or 'no suffix'})")
    check_outputs([("the input model", model_path)], equalized_outputs(out), force=force)
    return out


def write_result(result, model_path, out, convention=None, force: bool = False) -> dict:
    """Save ``result.model`` to ``out``, its report (and card) beside it, all-or-nothing; returns the report dict."""
    out = Path(out)
    if out.suffix.lower() != ".keras":
        raise ValueError(f"--out {out}: the equalized model is written as a .keras file (got {out.suffix or 'no suffix'})")
    doc = {"model": str(out), "source": str(model_path), **result.to_dict()}
    contents = [result.model.save, json.dumps(doc, indent=1).encode("utf-8")]
    if convention is not None:
        card = {"model": out.name, "derived_from": str(model_path),
                "note": "qftune equalize: BN folded, cross-layer equalized" +
                        (", bias absorbed" if result.bias_absorption else ""),
                "input_convention": convention.to_dict()}
        contents.append(json.dumps(card, indent=2).encode("utf-8"))
    files = equalized_outputs(out, card=convention is not None)
    write_outputs(list(zip(files, contents, strict=True)), force=force, inputs=[("the input model", model_path)])
    return doc
