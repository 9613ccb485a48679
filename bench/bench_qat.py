"""QAT vs PTQ on the bundled original MobileNetV1 with per-tensor weights, and the cost of a fine-tune epoch.
Prints JSON.

    PYTHONPATH=. .venv/bin/python bench/bench_qat.py [--steps 20] [--batch 64] [--epochs 2] [--lr 1e-5]
                                                      [--eval-limit N] [--no-cost] [--skewed]

1. PTQ: ``qftune export`` of resources/sessions/mobilenet_v1_orig_fmnist.qft (greedy ranges), per-tensor
   weights, evaluated on the Fashion-MNIST test split (10,000 images unless --eval-limit), and the float model.
2. QAT: ``qftune finetune`` of the same session (fixed ranges, per-tensor weights) on the training split
   (``--steps`` x ``--batch`` images per epoch, ``--epochs`` epochs; the training split never overlaps the
   test split: checked by finetune), exported and evaluated the same way.
``--skewed``: the synthetic 100x model of bench/bench_autotune_100x.py (the bundled QF-MobileNetV2 with
channel 0 of every depthwise x100, the next pointwise /100), calibrated greedy on the training split,
instead of the V1; its per-channel PTQ figure is measured too (issue 24's target: QAT per-tensor within
1 pp of it).
3. Cost: the fine-tune's epoch time next to a float training epoch of the same model (Keras fit, same
   optimizer, batch, steps and input pipeline), side by side in this process; the last epoch of each is
   taken (the first includes tracing). ``--no-cost`` leaves it out (an accuracy run on a busy machine, where
   the two epochs would not be timed side by side anyway).
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from _cli import V1_SESSION, must

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def accuracy(model_path, limit) -> float:
    args = ["evaluate", model_path, "--data", "fashion-mnist", "--json", "--threads", "2"]
    if limit:
        args += ["--limit", limit]
    return float(json.loads(must(*args))["top1"])


def float_epoch_seconds(session_path, steps, batch, epochs, lr) -> float:
    """The last epoch's wall time of a float Keras fit of the session's model (same recipe and pipeline)."""
    import keras

    from core.models.convention import resolve_convention
    from core.session import Session
    from core.training.input import open_training_data
    from core.training.recipes import RECIPES

    session = Session.load(session_path)
    model = keras.models.load_model(session.model_path, compile=False)
    recipe = RECIPES["qftune"]
    model.compile(recipe.optimizer(recipe.learning_rate(lr, batch)), recipe.loss(), metrics=["accuracy"],
                  jit_compile=False)
    data = open_training_data("fashion-mnist", None, steps * batch, 0)
    ds = data.dataset(None, batch, int(model.input_shape[1]), resolve_convention(session=session), False, 0)
    times = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t0)

    model.fit(ds, epochs=epochs, steps_per_epoch=steps, verbose=0, callbacks=[Clock()])
    return times[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-5)
    ap.add_argument("--eval-limit", type=int, default=None)
    ap.add_argument("--no-cost", action="store_true", help="skip the float-epoch timing (step 3)")
    ap.add_argument("--skewed", action="store_true", help="the synthetic 100x model instead of the V1 (see above)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        session = V1_SESSION
        if args.skewed:
            sys.path.insert(0, str(ROOT / "bench"))
            from bench_autotune_100x import skewed_model

            skewed_model(tmp / "skewed.keras")
            session = tmp / "skewed.qft"
            must("calibrate", tmp / "skewed.keras", "--data", "fashion-mnist", "--out", session)
            must("export", session, "--out", tmp / "per_channel.tflite", "--weights", "per-channel")
        must("export", session, "--out", tmp / "ptq.tflite", "--weights", "per-tensor")
        t0 = time.perf_counter()
        log = json.loads(must("finetune", session, "--data", "fashion-mnist", "--epochs", args.epochs,
                             "--steps-per-epoch", args.steps, "--batch-size", args.batch, "--lr", args.lr,
                             "--weights", "per-tensor", "--out", tmp / "m_qat.keras", "--json"))
        finetune_s = time.perf_counter() - t0
        must("export", tmp / "m_qat.qft", "--out", tmp / "qat.tflite", "--weights", "per-tensor")
        from core.session import Session

        source = Session.load(session)
        result = {
            "model": source.model_path, "weights": "per-tensor", "ranges": "fixed (the session's greedy ranges)",
            "eval": f"fashion-mnist test split, {'first ' + str(args.eval_limit) if args.eval_limit else 'all 10,000'}",
            "finetune": {"epochs": args.epochs, "steps_per_epoch": args.steps, "batch": args.batch,
                         "images_seen": log["images_seen"], "lr": args.lr, "wall_s": round(finetune_s, 1),
                         "data_check": log.get("data_check")},
        }
        acc_float = accuracy(source.model_path, args.eval_limit)
        acc_ptq = accuracy(tmp / "ptq.tflite", args.eval_limit)
        acc_qat = accuracy(tmp / "qat.tflite", args.eval_limit)
        acc_qat_float = accuracy(tmp / "m_qat.keras", args.eval_limit)
        result["accuracy"] = {"float": acc_float, "ptq_int8": acc_ptq, "qat_int8": acc_qat,
                              "qat_float_model": acc_qat_float}
        if args.skewed:
            per_channel = accuracy(tmp / "per_channel.tflite", args.eval_limit)
            result["model"] = "synthetic 100x: bundled QF-MobileNetV2, channel 0 of every depthwise x100 (pointwise /100)"
            result["accuracy"]["ptq_int8_per_channel"] = per_channel
            result["target_within_1pp_of_per_channel"] = bool(100 * (per_channel - acc_qat) <= 1.0)
        result["drop_pp"] = {"ptq": round(100 * (acc_float - acc_ptq), 2), "qat": round(100 * (acc_float - acc_qat), 2)}
        qat_epoch = log["epochs"][-1]["time_s"]
        result["command"] = "PYTHONPATH=. .venv/bin/python bench/bench_qat.py " + " ".join(sys.argv[1:])
        if args.no_cost:
            result["epoch_seconds"] = {"finetune": round(qat_epoch, 2), "float_training": None,
                                       "note": "--no-cost: no float epoch measured"}
            print(json.dumps(result, indent=2))
            return
        float_epoch = float_epoch_seconds(session, args.steps, args.batch, args.epochs, args.lr)
        result["epoch_seconds"] = {"finetune": round(qat_epoch, 2), "float_training": round(float_epoch, 2),
                                   "ratio": round(qat_epoch / float_epoch, 2), "steps": args.steps,
                                   "batch": args.batch, "note": "last epoch of each (the first includes tracing)"}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
