"""``qftune present --prepare``: every figure of the presenter's story, computed before the talk.

Session A is the model that suffers (the original MobileNet), session B its quantization-friendly
twin. The baseline is what a plain post-training converter does: min/max ranges, per-tensor int8
weights. Each fix changes one thing from it, and each accuracy comes from a verified int8 export
(:func:`core.workflows.export.export`) evaluated with LiteRT (:func:`core.evaluate.evaluate`) on the
same images:

    per-channel weights   A, min/max ranges, per-channel weights
    CLE                   A equalized (core.equalize, bias absorption), recalibrated, min/max, per-tensor
    QF architecture       B, min/max, per-tensor
    greedy ranges         A and B with greedy ranges (Plan.rechoose), per-tensor

The .tflite files and the equalized model are intermediate: they live in a temporary folder that is
removed; the cache keeps JSON, PNG thumbnails and one NPZ (:mod:`core.present.cache`).
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..progress import NULL_PROGRESS, Progress
from . import cache
from .phone import host_info, phone_step
from .sentences import cause_step, fix_sentence, flips_sentence

THUMB_PX = 96
STEPS = 12          # progress ticks


def _eval_spec(session, data: str | None) -> str:
    if data:
        return data
    calib = str(session.calibration.get("data") or "")
    if calib.startswith("embedded"):
        return "embedded:eval"
    raise ValueError(f"{session.path} was calibrated on {calib or 'unrecorded data'}: pass --data with the "
                     "evaluation split of that data set")


def _pick_samples(labels, base, flips, n: int) -> list[int]:
    """Up to ``n`` image indices: the first images whose prediction flips (at most half), then the first others."""
    flipped = [int(i) for i in np.flatnonzero(flips)][: max(n // 2, 1) if n > 1 else n]
    rest = [i for i in range(len(labels)) if i not in set(flipped)][: n - len(flipped)]
    return sorted(flipped + rest)


def _thumbs(ds, index: list[int], folder: Path) -> list[str]:
    from PIL import Image

    from ..data.source import pixel_batches

    (folder / cache.THUMBS).mkdir(parents=True, exist_ok=True)
    sub = ds.subset(np.asarray(index, dtype=np.int64))
    h = int(getattr(sub, "image_shape", (THUMB_PX,))[0] or THUMB_PX)
    size = min(max(h, 8), THUMB_PX)
    names, k = [], 0
    for x, _y in pixel_batches(sub, size, 3, batch_size=32):
        for img in x:
            name = f"{cache.THUMBS}/{index[k]}.png"
            Image.fromarray(img).save(folder / name)
            names.append(name)
            k += 1
    return names


def prepare(session_a, session_b, out=None, data: str | None = None, eval_images: int = 500,
            samples: int = 12, phone: str | None = None, progress: Progress = NULL_PROGRESS, log=None,
            device=None) -> Path:
    """Compute the story of ``session_a`` (the model that suffers) and ``session_b`` (its fix) and write the
    cache folder (``out``, default :func:`core.present.cache.default_dir`); returns the folder.
    ``phone``: a ``qftune deploy --json`` report whose figures the last step shows as recorded.
    ``device``: a :class:`core.device.MeasureConfig` (serial, tools): the phone step's three models (A float,
    A int8 baseline, B int8 greedy) are measured on that phone now, on the story's images."""
    from ..workflows.inputs import load_session, test_split

    log = log or (lambda msg: None)
    if eval_images < 1:
        raise ValueError(f"--eval-images must be at least 1, got {eval_images}")
    if samples < 1 or samples > 24:
        raise ValueError(f"--samples must be 1..24, got {samples}")
    paths = [Path(session_a), Path(session_b)]
    for p in paths:
        if not p.is_file():
            raise FileNotFoundError(f"session {p}: no such file")
    folder = Path(out) if out else cache.default_dir(*paths)
    _check_folder(folder, paths)
    phone_doc = _read_phone(phone) if phone else None
    if device is not None:                  # before minutes of work: the tools exist and the phone is there
        from ..device import open_device

        for tool in (device.benchmark_tool, device.eval_tool):
            if tool and not Path(tool).is_file():
                raise FileNotFoundError(f"{tool}: no such file (the phone's measurement tool)")
        open_device(device.serial)
    a, b = load_session(str(paths[0])), load_session(str(paths[1]))
    spec = _eval_spec(a, data)
    ds = test_split(spec, eval_images)
    tick = _ticker(progress, log)
    tick("sessions read")
    work = Path(tempfile.mkdtemp(prefix=".present-", dir=folder.parent if folder.parent.exists() else None))
    try:
        doc = _compute(a, b, paths, ds, spec, samples, work, tick, folder, progress)
        measured = _measure_on_device(device, work, doc, spec, eval_images, progress) if device else None
        doc["steps"].append(phone_step(doc.pop("_host_rows"), phone_doc, phone, measured))
        _write(folder, work, doc)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tick("cache written")
    return folder


def _measure_on_device(config, work: Path, doc: dict, spec: str, eval_images: int, progress) -> dict:
    """The host rows' three exported files measured on the phone of ``config``: its report as JSON, timed."""
    from ..device import measure

    files = {row["label"]: str(work / f"{tag}.tflite")
             for row, tag in zip(doc["_host_rows"], ("a_minmax_pt_float", "a_minmax_pt", "b_greedy_pt"), strict=True)}
    config.eval_data, config.eval_images = spec, eval_images
    report = measure(files, config, progress=_CancelOnly(progress)).to_json()
    report["_measured"] = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return report


def _ticker(progress, log):
    state = {"n": 0}

    def tick(message):
        state["n"] += 1
        log(message)
        progress.update(min(state["n"], STEPS), STEPS, message)

    return tick


class _CancelOnly(Progress):
    """Hands the export's and evaluation's own progress calls to nothing but the cancel check of ``parent``,
    so Cancel / Ctrl+C stops a step midway (the story's bar moves once per step)."""

    def __init__(self, parent: Progress):
        super().__init__()
        self._parent = parent

    def update(self, done, total, message=""):
        self._parent.check_cancelled()

    def check_cancelled(self):
        self._parent.check_cancelled()

    def sub(self, start, span, total):
        return self


def _measure(session, plan, weights: str, tag: str, work: Path, ds, float_out: bool = False, model_path=None,
             progress: Progress = NULL_PROGRESS):
    """(int8 EvalResult, float EvalResult or None) of ``plan`` exported with ``weights`` weights."""
    from ..evaluate import evaluate
    from ..workflows.export import export

    model = model_path or session.require_model()
    conv = session.calibration.get("input_convention")
    out = work / f"{tag}.tflite"
    fout = work / f"{tag}_float.tflite" if float_out else None
    export(model, plan.tensors, plan.ranges(), str(out), weights=weights, float_out=str(fout) if fout else None,
           convention=conv, progress=_CancelOnly(progress))
    from ..workflows.inputs import as_convention

    c = as_convention(conv)
    r = evaluate(str(out), dataset=ds, convention=c, progress=_CancelOnly(progress))
    f = evaluate(str(fout), dataset=ds, convention=c, progress=_CancelOnly(progress)) if fout else None
    return r, f


def _equalized_session(a, work: Path):
    """Session A's model equalized (CLE + bias absorption), calibrated as A was, with min/max ranges."""
    from ..equalize import equalize_model
    from ..equalize.write import write_result
    from ..models.loading import load_model
    from ..workflows.calibrate import calibrate
    from ..workflows.inputs import as_convention

    conv = as_convention(a.calibration.get("input_convention"))
    eq = equalize_model(load_model(a.require_model()))
    path = work / "equalized.keras"
    write_result(eq, a.require_model(), path, convention=conv)
    cal = a.calibration
    s = calibrate(str(path), data=cal.get("data") or "embedded", per_class=cal.get("per_class"),
                  method="minmax", convention=conv)
    return s, path, len(eq.pairs)


def _row(label: str, r, float_top1: float, what: str) -> dict:
    return {"label": label, "accuracy": r.top1, "drop_pp": round((float_top1 - r.top1) * 100, 2), "what": what,
            "latency_ms": r.latency_ms_median}


def _compute(a, b, paths, ds, spec, samples, work: Path, tick, folder: Path, progress=NULL_PROGRESS) -> dict:
    from ..models.loading import load_model
    from ..weights import model_weights

    labels = np.asarray(ds.labels)
    names = list(ds.class_names)
    la, lb = paths[0].stem, paths[1].stem
    a_mm, b_mm = a.plan.rechoose("minmax"), b.plan.rechoose("minmax")
    base, fa = _measure(a, a_mm, "per-tensor", "a_minmax_pt", work, ds, float_out=True, progress=progress)
    tick(f"{la}: float and int8 (min/max, per-tensor weights) evaluated")
    flips = (fa.predictions == labels) != (base.predictions == labels)
    index = _pick_samples(labels, base.predictions, flips, samples)
    thumbs = _thumbs(ds, index, work / "cache")
    sample_rows = [{"index": i, "image": t, "label": names[labels[i]], "float": names[fa.predictions[i]],
                    "int8": names[base.predictions[i]], "flipped": bool(fa.predictions[i] != base.predictions[i])}
                   for i, t in zip(index, thumbs, strict=True)]
    tick("sample thumbnails written")
    n = len(labels)
    changed = int(np.sum(fa.predictions != base.predictions))
    lost = int(np.sum((fa.predictions == labels) & (base.predictions != labels)))
    gained = int(np.sum((fa.predictions != labels) & (base.predictions == labels)))
    steps = [
        {"kind": "float", "title": "The float model classifies", "model": la, "accuracy": fa.top1, "images": n,
         "samples": sample_rows,
         "sentence": f"{la} in float32: top-1 {fa.top1 * 100:.2f} % on {n:,} {spec} images."},
        {"kind": "int8", "title": "The same model in int8, per-tensor weights", "model": la, "accuracy": base.top1,
         "float_accuracy": fa.top1, "images": n, "samples": sample_rows, "changed": changed, "lost": lost,
         "gained": gained, "sentence": flips_sentence(fa.top1, base.top1, n, changed, lost, gained)},
    ]
    weights = model_weights(load_model(a.require_model()))
    tick(f"{la}: folded weights read")
    cause, arrays = cause_step(weights, la)
    np.savez_compressed(work / "cache" / cache.WEIGHTS, **arrays)
    steps.append(cause)

    pc, _ = _measure(a, a_mm, "per-channel", "a_minmax_pc", work, ds, progress=progress)
    tick(f"{la}: per-channel weights evaluated")
    eq_session, _eq_path, pairs = _equalized_session(a, work)
    tick(f"{la}: equalized and calibrated ({pairs} pairs)")
    cle, _ = _measure(eq_session, eq_session.plan, "per-tensor", "a_cle_pt", work, ds, progress=progress)
    tick(f"{la}: CLE evaluated")
    qf, fb = _measure(b, b_mm, "per-tensor", "b_minmax_pt", work, ds, float_out=True, progress=progress)
    tick(f"{lb}: float and int8 evaluated")
    ga, _ = _measure(a, a.plan.rechoose("greedy"), "per-tensor", "a_greedy_pt", work, ds, progress=progress)
    tick(f"{la}: greedy ranges evaluated")
    gb, _ = _measure(b, b.plan.rechoose("greedy"), "per-tensor", "b_greedy_pt", work, ds, progress=progress)
    tick(f"{lb}: greedy ranges evaluated")

    bars = [_row(f"{la} float", fa, fa.top1, "float32"),
            _row("baseline int8", base, fa.top1, "min/max ranges, per-tensor weights")]
    fixes = [("per-channel weights", _row("+ per-channel weights", pc, fa.top1, "one int8 scale per channel"),
              "One int8 scale per output channel: no channel shares the widest channel's step."),
             ("CLE", _row("+ CLE", cle, fa.top1, f"cross-layer equalization, {pairs} pairs"),
              "Cross-layer equalization rescales each pair of layers so the channels' ranges match."),
             ("QF architecture", _row(f"{lb} (QF)", qf, fb.top1, "the QF architecture, min/max, per-tensor"),
              "The quantization-friendly MobileNet: no BatchNorm/ReLU6 after the depthwise convs."),
             ("greedy ranges", _row(f"{lb} (QF) + greedy", gb, fb.top1, "greedy ranges, per-tensor"),
              "Greedy ranges: each tensor's step chosen to minimise rounding plus saturation loss.")]
    extra = {"QF architecture": _row(f"{lb} float", fb, fb.top1, "float32"),
             "greedy ranges": _row(f"{la} + greedy", ga, fa.top1, "greedy ranges, per-tensor")}
    for name, row, why in fixes:
        before, before_float = (qf, fb.top1) if name == "greedy ranges" else (base, fa.top1)
        ref = fb.top1 if name in ("QF architecture", "greedy ranges") else fa.top1
        bars = bars + ([extra[name]] if name in extra else []) + [row]
        steps.append({"kind": "fix", "fix": name, "title": f"Fix: {name}", "accuracy": row["accuracy"],
                      "before": before.top1, "float_accuracy": ref, "why": why, "bars": list(bars),
                      "sentence": fix_sentence("the QF architecture" if name == "QF architecture" else name,
                                               before.top1, before_float, row["accuracy"], ref)})
    host_rows = [{"label": f"{la} float", "latency_ms": fa.latency_ms_median, "accuracy": fa.top1},
                 {"label": f"{la} int8 baseline", "latency_ms": base.latency_ms_median, "accuracy": base.top1},
                 {"label": f"{lb} int8 greedy", "latency_ms": gb.latency_ms_median, "accuracy": gb.top1}]
    from ..session import qftune_version

    return {"format": cache.FORMAT, "version": cache.VERSION,
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "qftune": qftune_version(), "python": platform.python_version(), "host": host_info(),
            "sessions": {k: {"path": _rel(p, folder), "sha256": cache.file_sha256(p), "label": p.stem,
                             "model": Path(s.model_path).name if s.model_path else None}
                         for k, p, s in (("a", paths[0], a), ("b", paths[1], b))},
            "eval": {"data": spec, "images": n, "classes": names},
            "steps": steps, "_host_rows": host_rows}


def _rel(path: Path, folder: Path) -> str:
    """``path`` relative to the cache folder (the pair and its cache move together), else absolute."""
    import os

    try:
        return os.path.relpath(path.resolve(), folder.resolve())
    except ValueError:      # another drive
        return str(path.resolve())


def _check_folder(folder: Path, inputs) -> None:
    """Refuse a folder that is an input, or exists with files the presenter did not write."""
    from ..outputs import OutputError

    if folder.exists() and not folder.is_dir():
        raise OutputError(f"--out {folder} exists and is not a folder")
    for p in inputs:
        if p.resolve() == folder.resolve() or folder.resolve() in p.resolve().parents:
            raise OutputError(f"--out {folder} holds the session {p}; choose another folder")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / cache.STORY).is_file():
        raise OutputError(f"--out {folder} is a folder the presenter did not write; choose another --out")


def _read_phone(path) -> dict:
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"--phone {p}: not a readable JSON report ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("models"), dict):
        raise ValueError(f"--phone {p}: not a `qftune deploy --json` report (no \"models\")")
    doc["_recorded"] = _dt.datetime.fromtimestamp(p.stat().st_mtime, _dt.UTC).isoformat(timespec="minutes")
    return doc


def _write(folder: Path, work: Path, doc: dict) -> None:
    """story.json beside the thumbnails and weights, then the whole folder renamed into place."""
    from ..atomic import atomic_write_text

    staged = work / "cache"
    atomic_write_text(staged / cache.STORY, json.dumps(doc, indent=1, allow_nan=False))
    folder.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if folder.exists():
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        folder.rename(old)
    shutil.move(str(staged), str(folder))
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
