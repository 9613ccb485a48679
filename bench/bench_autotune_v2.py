"""qftune autotune end to end on a keras.applications MobileNetV2 (weights=None, 96 px); prints JSON.

    python bench/bench_autotune_v2.py [--alpha A] [--images N] [--max-drop PP] [--max-evals N] [--out DIR]

Issue 25's third target: the path must work on a model qftune did not build (accuracy there is
meaningless: the net is untrained). The data is generated: ``--images`` smooth random colour fields
(96 px JPEGs), labelled by the float model's own top-1 (its head's bias centred so every class
occurs), so the drop autotune measures is the int8 model's disagreement with float. BatchNorm
statistics are set from those images (an untrained net's activations otherwise vanish or explode).
Then the user's path, in-process: ``qftune calibrate M.keras --data folder:D --per-class 4 --out
S.qft``, then ``qftune autotune S.qft --data folder:D --allow A --weights any --cost latency --max-drop
PP --max-evals N --out S_tuned.qft --json`` twice: every move (``clip,per-channel,float``) and float
moves alone (``float``, 12 plans: float ops in the exported MobileNetV2). Checked for each: autotune
ends (met or not reached, never an error), its tuned .tflite is verified (every scale as planned,
float ops float) and LiteRT evaluates it on every image; the Pareto points carry measured bytes and
latency. An untrained net's top-1 margins are tiny, so int8 disagrees with float on most images and
no plan meets a small target: exit 3 with the best plan named is the expected end here.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from _cli import must, out_dir, print_result, qftune_json

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

SIZE = 96


def make_model_and_data(root: Path, alpha: float, n: int):
    """A MobileNetV2 (weights=None) saved as root/v2.keras and root/data/cNN/*.jpg labelled by its own top-1."""
    import keras
    from PIL import Image

    from core.models.convention import PIXEL_PM1
    from model_kit import data_init_bn

    keras.utils.set_random_seed(0)
    model = keras.applications.MobileNetV2(input_shape=(SIZE, SIZE, 3), alpha=alpha, weights=None, classes=10)
    rng = np.random.default_rng(0)
    stage = root / "stage" / "all"
    stage.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        small = rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)
        Image.fromarray(small).resize((SIZE, SIZE), Image.BILINEAR).save(stage / f"{i:04d}.jpg", quality=95)
    # the images as the folder source gives them (decoded, cropped, resized), in file order
    from core.data import load_dataset

    x = np.concatenate([np.asarray(b) for b, _ in load_dataset(f"folder:{stage.parent}").batches(SIZE, 3, PIXEL_PM1, 50)])
    data_init_bn(model, x)
    head = model.layers[-1]
    logits = np.log(np.maximum(np.asarray(model(x, training=False)), 1e-12))
    b = head.bias.numpy() - logits.mean(axis=0)
    head.bias.assign(b.astype(np.float32))
    pred = np.argmax(np.asarray(model(x, training=False)), axis=1)
    for i, c in enumerate(pred):
        d = root / "data" / f"c{c:02d}"
        d.mkdir(parents=True, exist_ok=True)
        (stage / f"{i:04d}.jpg").rename(d / f"{i:04d}.jpg")
    model.save(root / "v2.keras")
    return root / "v2.keras", f"folder:{root / 'data'}", int(len(np.unique(pred))), int(model.count_params())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alpha", type=float, default=0.35)
    ap.add_argument("--images", type=int, default=400)
    ap.add_argument("--max-drop", default="1")
    ap.add_argument("--max-evals", default="30")
    ap.add_argument("--holdout", default="300")
    ap.add_argument("--out", default=None, help="keep the model, data, sessions and reports here")
    args = ap.parse_args()
    with out_dir(args.out) as root:
        result = end_to_end(args, root)
    print_result(result)
    return 0 if all(all(r["targets"].values()) for r in result["runs"].values()) else 1


def end_to_end(args, root: Path) -> dict:
    """The model and data made in ``root``, calibrated, then autotune's two runs (module docstring)."""
    t0 = time.perf_counter()
    model, data, classes, params = make_model_and_data(root, args.alpha, args.images)
    t_data = time.perf_counter() - t0
    calibrate = ["calibrate", model, "--data", data, "--per-class", "4", "--out", root / "v2.qft", "--force"]
    must(*calibrate)
    t_cal = time.perf_counter() - t0 - t_data
    runs = {}
    for name, allow, evals in (("clip,per-channel,float", "clip,per-channel,float", args.max_evals),
                               ("float only", "float", "12")):
        tune = ["autotune", root / "v2.qft", "--data", data, "--allow", allow, "--weights", "any", "--cost", "latency",
                "--max-drop", args.max_drop, "--max-evals", evals, "--holdout", args.holdout,
                "--out", root / f"v2_tuned_{allow.replace(',', '_')}.qft", "--json", "--force"]
        t1 = time.perf_counter()
        rc, doc = qftune_json(*tune)
        conf = doc.get("confirmed") or {}
        runs[name] = {
            "command": "qftune " + " ".join(map(str, tune)), "exit_code": rc, "verdict": doc.get("verdict"),
            "autotune_s": round(time.perf_counter() - t1, 1), "heldout": doc.get("heldout"),
            "start_drop_pp_heldout": (doc.get("start") or {}).get("drop_pp"),
            "best_drop_pp_heldout": (doc.get("best") or {}).get("drop_pp"),
            "changes": [c["layer"] + ": " + c["label"] for c in doc.get("changes") or []],
            "float_ops": doc.get("float_ops"), "float_refused": doc.get("float_refused"), "evals": doc.get("evals"),
            "stopped": doc.get("stopped"), "confirmed": conf,
            "pareto": [{k: p.get(k) for k in ("index", "top1", "drop_pp", "bytes", "latency_ms", "float_ops")}
                       for p in doc.get("pareto") or []],
            "targets": {"ends_met_or_not_reached": rc in (0, 3), "export_verified": conf.get("verified") is True,
                        "litert_evaluated_every_image": conf.get("n_images") == args.images,
                        "pareto_bytes_and_latency_measured": bool(doc.get("pareto")) and all(
                            p.get("latency_ms") is not None for p in doc["pareto"] if p.get("bytes_measured"))}}
    result = {
        "model": f"keras.applications.MobileNetV2(weights=None, alpha={args.alpha}, {SIZE} px, 10 classes)",
        "params": params, "images": args.images, "classes_predicted": classes,
        "calibrate": "qftune " + " ".join(map(str, calibrate)), "data_s": round(t_data, 1),
        "calibrate_s": round(t_cal, 1), "runs": runs,
    }
    return result


if __name__ == "__main__":
    raise SystemExit(main())
