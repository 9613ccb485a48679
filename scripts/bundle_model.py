"""Copy a trained model into resources/models/ with its JSON card.

    .venv/bin/python scripts/bundle_model.py TRAINED.keras [--name NAME]

The card holds the exact training command (from the run's log), epochs, wall time,
the machine, and the float top-1 on the full 10,000-image Fashion-MNIST test set,
measured here and now.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model")
    ap.add_argument("--name", default=None, help="file name in resources/models (default: the model's)")
    args = ap.parse_args()
    src = Path(args.model)
    log = json.loads(src.with_suffix("").with_name(src.stem + ".log.json").read_text())
    dest = ROOT / "resources" / "models" / (args.name or src.name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    import keras

    # inference only: no optimizer state (keeps the bundled file small)
    model = keras.models.load_model(src, compile=False)
    keras.Model(model.inputs, model.outputs, name=model.name).save(dest)

    from core.evaluate import evaluate

    t = time.perf_counter()
    result = evaluate(dest, "fashion-mnist:test")
    cfg = log["config"]
    card = {
        "model": dest.name,
        "architecture": cfg["arch"],
        "qf_changes": cfg["qf_changes"],
        "width": cfg["width"],
        "input": "28x28x1, pixel/255",
        "classes": 10,
        "dataset": "Fashion-MNIST (Debian dataset-fashion-mnist), 60,000 training images",
        "command": cfg["command"],
        "command_note": f"trained to {src}, then saved here without optimizer state by scripts/bundle_model.py",
        "epochs": len(log["epochs"]),
        "train_wall_time_s": round(log["wall_time_s"], 1),
        "train_machine": f"{platform.machine()}, {os.cpu_count()} cores (shared with other jobs during training)",
        "final_train_loss": round(log["epochs"][-1]["loss"], 4),
        "final_train_accuracy": round(log["epochs"][-1]["accuracy"], 4),
        "float_top1_test10k": round(result.top1, 4),
        "float_top5_test10k": round(result.top5, 4),
        "eval_seconds": round(time.perf_counter() - t, 1),
        "size_bytes": dest.stat().st_size,
    }
    dest.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps(card, indent=2))


if __name__ == "__main__":
    main()
