"""The paper's Table 1 (ablation) on the full 10,000-image Fashion-MNIST test set; prints JSON.

    python bench/bench_ablation.py [--models NAME=PATH ...] [--calib SPEC] [--per-class N|auto|all]
        [--data SPEC] [--limit N] [--out DIR] [--markdown FILE] [--update-cards] [--sessions DIR]

Default models: the four MobileNetV1s of the ablation in resources/models
(``mobilenet_v1_{orig,step1,step2,qf}_fmnist.keras``) and the two bundled MobileNetV2s; a missing
one is reported under ``"missing"`` and skipped. For each: calibrate on *training* images only
(``--calib fashion-mnist:train``, qftune's default ``--per-class auto`` = 1,000 images), choose
ranges with greedy and min/max from the same statistics, export int8 with per-tensor and
per-channel weights (verified), evaluate float and the four int8 cells (LiteRT, 1 thread) on
``--data`` (default all 10,000 ``fashion-mnist:test`` images; ``--limit N``: the first N, a quick
run), and report the mechanism of the depthwise layers (core.weights.mechanism).

``--markdown FILE``: the paper-style table (docs/ablation.md explains the columns).
``--update-cards``: write ``int8`` (``int8.greedy.per_tensor.top1`` ...), ``int8_eval``,
``float_top1_test10k`` and ``mechanism`` into each model's card (``M.json`` beside it), keeping
its other keys; refused with ``--limit`` or another ``--data`` (cards carry full-test-set figures).
``--sessions DIR``: save each model's greedy session as ``DIR/<model stem>.qft`` (it records the
model's path relative to DIR too, so resources/sessions/*.qft open from a fresh clone). Like the
bundled MobileNetV2 sessions, they are calibrated on all 100 embedded images (``--sessions-data
embedded``, works without the Fashion-MNIST package); ``--sessions-data same`` saves the bench's own.
An existing session of the same model file (same sha256) is kept, so the bundled V2 sessions do not churn.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

V1 = {f"MobileNetV1 {s}": f"models/mobilenet_v1_{s}_fmnist.keras" for s in ("orig", "step1", "step2", "qf")}
V2 = {"MobileNetV2 (original)": "models/mobilenet_v2_orig_fmnist.keras",
      "QF-MobileNetV2": "models/mobilenet_v2_qf_fmnist.keras"}
FULL_TEST = "fashion-mnist:test"


def parse_models(items: list[str] | None) -> dict[str, Path]:
    from core.resources import RESOURCES

    if not items:
        return {label: RESOURCES / rel for label, rel in {**V1, **V2}.items()}
    out = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise SystemExit(f"--models {item!r}: expected NAME=PATH")
        out[name] = Path(path).absolute()
    return out


def update_card(model_path: Path, fields: dict) -> Path:
    """Merge ``fields`` into ``model_path``'s card (``M.json``), atomically, keeping every other key."""
    from core.atomic import atomic_write_text

    card_path = model_path.with_suffix(".json")
    card = json.loads(card_path.read_text()) if card_path.exists() else {"model": model_path.name}
    card.update(fields)
    atomic_write_text(card_path, json.dumps(card, indent=2) + "\n")
    return card_path


def session_current(target: Path, model_path: Path) -> bool:
    """True when ``target`` is a session of exactly this model file (same sha256): left as it is."""
    from core.session import Session, model_hash

    if not target.exists():
        return False
    try:
        return Session.load(target, verify_model=False).model_sha256 == model_hash(model_path)
    except (OSError, ValueError):
        return False


def main() -> None:
    from _accuracy_kit import eval_set, refuse_overlap

    from core.ablation import card_fields, markdown, measure_model
    from core.atomic import atomic_write_text
    from core.calibrate import AUTO, calibrate

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", metavar="NAME=PATH", help="models to measure (default: the 4 V1 + 2 V2)")
    ap.add_argument("--calib", default="fashion-mnist:train", help="calibration spec (training split only)")
    ap.add_argument("--per-class", default=AUTO, help="calibration images per class, 'auto' (1,000 in all) or 'all'")
    ap.add_argument("--data", default=FULL_TEST, help="evaluation spec (default: the 10,000 test images)")
    ap.add_argument("--limit", type=int, default=None, help="evaluate on the first N images only (a quick run)")
    ap.add_argument("--out", default=None, help="keep the .tflite files here (default: a temporary folder)")
    ap.add_argument("--markdown", default=None, metavar="FILE", help="write the paper-style table here")
    ap.add_argument("--update-cards", action="store_true", help="write the results into each model's .json card")
    ap.add_argument("--sessions", default=None, metavar="DIR", help="save each greedy session as DIR/<stem>.qft")
    ap.add_argument("--sessions-data", default="embedded",
                    help="calibration data of the saved sessions: a spec (all its images) or 'same' (the bench's)")
    args = ap.parse_args()
    if args.update_cards and (args.limit or args.data != FULL_TEST):
        raise SystemExit("--update-cards: cards carry the full 10,000-image test set's figures; drop --limit/--data")
    per_class = {"all": None, AUTO: AUTO}.get(args.per_class) if args.per_class in ("all", AUTO) else int(args.per_class)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731

    t0 = time.perf_counter()
    models = parse_models(args.models)
    missing = {label: str(p) for label, p in models.items() if not p.exists()}
    for label, p in missing.items():
        log(f"[{label}] missing: {p} (skipped)")
    present = {label: p for label, p in models.items() if label not in missing}
    if not present:
        raise SystemExit("no model to measure: " + ", ".join(missing.values()))
    eval_ds, data_label = eval_set(args.data, limit=args.limit)
    refuse_overlap(args.calib, per_class, eval_ds)
    results, cards, sessions = {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out or tmp)
        for label, path in present.items():
            log(f"[{label}] {path}")
            result, greedy = measure_model(path, eval_ds, out, calib_data=args.calib, per_class=per_class,
                                           slug=path.stem, log=log)
            results[label] = result
            if args.sessions:
                target = Path(args.sessions) / f"{path.stem}.qft"
                target.parent.mkdir(parents=True, exist_ok=True)
                if session_current(target, path):
                    sessions[label] = f"{target} (kept: already calibrated on this model)"
                else:
                    if args.sessions_data != "same":
                        greedy = calibrate(str(path), args.sessions_data, per_class=None)
                    greedy.save(target, force=True)
                    sessions[label] = str(target)
            if args.update_cards:
                cards[label] = str(update_card(path, card_fields(result, test10k=True)))
    seconds = round(time.perf_counter() - t0, 1)
    if args.markdown:
        note = (f"Top-1 % on {data_label} ({len(eval_ds):,} images; in brackets the change from float, pp). "
                f"Calibration: {args.calib}, per class {args.per_class}. Mechanism over the depthwise layers. "
                f"`python bench/bench_ablation.py` in {seconds:.0f} s.")
        atomic_write_text(args.markdown, markdown(results, note))
    print(json.dumps({"data": data_label, "eval_images": len(eval_ds), "calib": args.calib,
                      "per_class": args.per_class, "results": results, "missing": missing, "cards": cards,
                      "sessions": sessions, "seconds": seconds}, indent=1))


if __name__ == "__main__":
    main()
