"""autotune on the synthetic 100x-channel model with per-tensor weights; prints JSON.

    python bench/bench_autotune_100x.py [--allow MOVES] [--holdout N] [--data SPEC] [--out DIR]

The model (as tests/test_equalize.py builds it): the bundled QF-MobileNetV2 with channel 0 of every
depthwise conv (kernel and bias) x100 and the matching input channel of the next pointwise conv /100:
the same float function, but one per-tensor int8 range per depthwise kernel must cover a 100x channel
(docs/dfq.md: 93.05 % -> 23.80 % per tensor, 48.30 % per channel on the embedded set: the 100x channel
also widens the depthwise *activation* range, which per-channel weights do not fix). The user's path,
in-process: ``qftune calibrate M --data fashion-mnist --out S.qft``; ``qftune export S --weights
per-channel`` and ``--weights per-tensor``, each evaluated with LiteRT on ``--data`` (the per-channel
figure); then ``qftune autotune S --data fashion-mnist:test --weights per-tensor --allow MOVES
--max-drop D`` with D = float - per-channel + 5 pp, i.e. the target "within 5 pp of the per-channel
figure", confirmed on the same test set.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from _cli import must, out_dir, print_result, qftune_json

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def skewed_model(path: Path) -> None:
    from core.models.loading import load_model

    m = load_model(str(ROOT / "resources/models/mobilenet_v2_qf_fmnist.keras"))
    for i in range(17):
        dw, pw = m.get_layer(f"block{i}_dw"), m.get_layer(f"block{i}_project")
        k, b = dw.get_weights()
        k[:, :, 0, :] *= 100.0
        b[0] *= 100.0
        dw.set_weights([k, b])
        pk = pw.get_weights()
        pk[0][:, :, 0, :] /= 100.0
        pw.set_weights(pk)
    m.save(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--allow", default="clip")
    ap.add_argument("--holdout", default="1000")
    ap.add_argument("--data", default="fashion-mnist:test")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    with out_dir(args.out) as d:
        print_result(run(args, d))
    return 0


def run(args, d: Path) -> dict:
    t0 = time.perf_counter()
    skewed_model(d / "skewed.keras")
    must("calibrate", d / "skewed.keras", "--data", "fashion-mnist", "--out", d / "s.qft", "--force")
    figures = {}
    for gran in ("per-channel", "per-tensor"):
        tfl = d / f"{gran}.tflite"
        must("export", d / "s.qft", "--weights", gran, "--out", tfl, "--float-out", d / "float.tflite", "--force")
        figures[gran] = json.loads(must("evaluate", tfl, "--data", args.data, "--json"))["top1"]
    figures["float"] = json.loads(must("evaluate", d / "float.tflite", "--data", args.data, "--json"))["top1"]
    max_drop = round(100 * (figures["float"] - figures["per-channel"]) + 5.0, 2)
    tune = ["autotune", d / "s.qft", "--data", args.data, "--weights", "per-tensor", "--allow", args.allow,
            "--max-drop", str(max_drop), "--holdout", args.holdout, "--out", d / "tuned.qft", "--json", "--force"]
    t1 = time.perf_counter()
    rc, doc = qftune_json(*tune)
    conf = doc.get("confirmed") or {}
    result = {"model": "bundled QF-MobileNetV2, channel 0 of every depthwise x100 (next pointwise /100)",
              "data": args.data, "top1": {k: round(100 * v, 2) for k, v in figures.items()},
              "command": "qftune " + " ".join(map(str, tune)), "exit_code": rc, "verdict": doc.get("verdict"),
              "autotune_s": round(time.perf_counter() - t1, 1), "total_s": round(time.perf_counter() - t0, 1),
              "changes": [c["layer"] + ": " + c["label"] for c in doc.get("changes") or []],
              "float_ops": doc.get("float_ops"), "evals": doc.get("evals"), "stopped": doc.get("stopped"),
              "confirmed_top1": round(100 * conf["int8_top1"], 2) if conf else None,
              "target": {"within_5pp_of_per_channel": bool(conf) and
                         100 * (figures["per-channel"] - conf["int8_top1"]) <= 5.0}}
    return result


if __name__ == "__main__":
    raise SystemExit(main())
