"""Copy a trained model into resources/models/ with its JSON card.

    .venv/bin/python scripts/bundle_model.py TRAINED.keras [--name NAME] [--card-extra KEY=VALUE ...]
        [--force] [--eval-limit N] [--dest-dir DIR]

TRAINED.keras is the ``--out`` of ``qftune train``; its log ``TRAINED.log.json`` must be beside it.
When the run finished, the final model is bundled. When it was stopped early (the log does not say
``finished``, or TRAINED.keras does not exist), the last finished epoch's checkpoint
``TRAINED.ckpt.keras`` is, and the card records the epochs actually done: with the
``tf-slim-mobilenet`` recipe (learning rate ``lr0 * 0.98**epoch``, independent of the planned total)
a run stopped after k epochs is the same as ``--epochs k`` (``command_equivalent``); with the cosine
``qftune`` recipe it is not, and the card says so.

The card holds the exact training command (from the run's log), epochs done and planned, wall time,
the machine, recipe and width, the per-epoch history, ``--card-extra`` items (e.g. ``why="..."``;
a VALUE that parses as JSON is stored as such) and the float top-1 on the full 10,000-image
Fashion-MNIST test set, measured here and now (``--eval-limit N``: the first N only, then stored as
``float_top1`` with ``float_eval_images``). Saved without optimizer state (inference only).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run_files(model: Path) -> dict:
    """The run's files: ``model``, ``ckpt`` and ``log`` (the trainer's naming, core.training.config)."""
    stem = str(model)[: -len(".keras")] if str(model).endswith(".keras") else str(model)
    return {"model": model, "ckpt": Path(f"{stem}.ckpt.keras"), "log": Path(f"{stem}.log.json")}


def pick_source(files: dict, log: dict) -> tuple[Path, bool]:
    """(the file to bundle, stopped early?): the final model of a finished run, else the last epoch's checkpoint."""
    if log.get("finished") and files["model"].exists():
        return files["model"], False
    if not files["ckpt"].exists():
        raise SystemExit(f"{files['model']}: the run did not finish and {files['ckpt']} (its last epoch) does not exist")
    if not log.get("epochs"):
        raise SystemExit(f"{files['log']}: no finished epoch recorded")
    return files["ckpt"], True


def equivalent_command(command: str, epochs_done: int) -> str:
    """``command`` with ``--epochs`` set to the epochs actually done and ``--resume`` dropped."""
    parts = [p for p in shlex.split(command) if p != "--resume"]
    for i, p in enumerate(parts):
        if p == "--epochs" and i + 1 < len(parts):
            parts[i + 1] = str(epochs_done)
        elif p.startswith("--epochs="):
            parts[i] = f"--epochs={epochs_done}"
    if "--epochs" not in parts and not any(p.startswith("--epochs=") for p in parts):
        parts += ["--epochs", str(epochs_done)]
    return shlex.join(parts)


def parse_extra(items: list[str]) -> dict:
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise SystemExit(f"--card-extra {item!r}: expected KEY=VALUE (KEY a plain name)")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def training_fields(log: dict, source: Path, stopped_early: bool) -> dict:
    """The card's training record, from the trainer's log."""
    from core.training.recipes import RECIPES

    cfg = log["config"]
    done = len(log["epochs"])
    recipe = cfg.get("recipe") or "qftune"
    fields = {
        "architecture": cfg["arch"], "qf_changes": cfg["qf_changes"], "width": cfg["width"],
        "recipe": recipe, "recipe_description": RECIPES[recipe].description if recipe in RECIPES else None,
        "batch_size": cfg.get("batch_size"), "seed": cfg.get("seed"),
        "command": cfg["command"],
        "epochs": done, "epochs_planned": cfg.get("epochs"), "stopped_early": stopped_early,
        "train_wall_time_s": round(log["wall_time_s"], 1),
        "train_runs": len(log.get("runs", [])) or 1,
        "train_machine": f"{platform.machine()}, {os.cpu_count()} cores (shared with other jobs during training)",
        "final_train_loss": round(log["epochs"][-1]["loss"], 4),
        "final_train_accuracy": round(log["epochs"][-1]["accuracy"], 4),
        "epoch_history": [{k: round(e[k], 4) for k in ("epoch", "loss", "accuracy", "time_s") if k in e}
                          for e in log["epochs"]],
    }
    if stopped_early:
        fields["command_equivalent"] = equivalent_command(cfg["command"], done)
        fields["command_note"] = (
            f"stopped after {done} of {cfg.get('epochs')} planned epochs; bundled from {source} (the last finished "
            "epoch) without optimizer state by scripts/bundle_model.py. "
            + ("The tf-slim-mobilenet schedule (lr0 * 0.98**epoch) does not depend on the planned total, so this "
               "equals command_equivalent." if recipe == "tf-slim-mobilenet" else
               f"The {recipe} recipe's schedule depends on the planned total, so this is NOT the same as "
               "command_equivalent."))
    else:
        fields["command_note"] = f"trained to {source}, then saved here without optimizer state by scripts/bundle_model.py"
    return fields


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="the training run's --out (TRAINED.keras; its .log.json beside it)")
    ap.add_argument("--name", default=None, help="file name in resources/models (default: the model's)")
    ap.add_argument("--card-extra", nargs="+", default=[], metavar="KEY=VALUE", help="more card items, e.g. why=...")
    ap.add_argument("--force", action="store_true", help="replace an existing bundled model and card")
    ap.add_argument("--eval-limit", type=int, default=None, help="evaluate on the first N test images (a quick check)")
    ap.add_argument("--dest-dir", default=str(ROOT / "resources" / "models"), help="where to bundle (default resources/models)")
    args = ap.parse_args()
    files = run_files(Path(args.model))
    if not files["log"].exists():
        raise SystemExit(f"{files['log']}: no training log beside {args.model} (bundle the --out of qftune train)")
    log = json.loads(files["log"].read_text())
    source, stopped_early = pick_source(files, log)
    dest = Path(args.dest_dir) / (args.name or files["model"].name)
    if dest.resolve() in (files["model"].resolve(), files["ckpt"].resolve()):
        raise SystemExit(f"{dest}: is the training run's own file; choose another --dest-dir/--name")
    if (dest.exists() or dest.with_suffix(".json").exists()) and not args.force:
        raise SystemExit(f"{dest} (or its card) exists; pass --force to replace it")
    extra = parse_extra(args.card_extra)
    dest.parent.mkdir(parents=True, exist_ok=True)
    import keras

    from core.atomic import atomic_write_text
    from core.evaluate import evaluate

    model = keras.models.load_model(source, compile=False)     # inference only: no optimizer state
    tmp = dest.with_name(f".{dest.stem}.tmp{os.getpid()}.keras")
    keras.Model(model.inputs, model.outputs, name=model.name).save(tmp)
    os.replace(tmp, dest)

    t = time.perf_counter()
    data = "fashion-mnist:test"
    result = evaluate(dest, data, limit=args.eval_limit)
    h, w, c = model.input_shape[1:4]
    card = {"model": dest.name, **training_fields(log, source, stopped_early),
            "input": f"{h}x{w}x{c}, pixel/255", "classes": int(model.output_shape[-1]),
            "dataset": "Fashion-MNIST (Debian dataset-fashion-mnist), 60,000 training images"}
    if args.eval_limit:
        card.update({"float_top1": round(result.top1, 4), "float_eval_images": result.n_images})
    else:
        card.update({"float_top1_test10k": round(result.top1, 4), "float_top5_test10k": round(result.top5, 4)})
    card.update({"eval_seconds": round(time.perf_counter() - t, 1), "size_bytes": dest.stat().st_size, **extra})
    atomic_write_text(dest.with_suffix(".json"), json.dumps(card, indent=2) + "\n")
    print(json.dumps(card, indent=2))


if __name__ == "__main__":
    main()
