"""Weight clips in the plan on the bundled original MobileNetV1 (per-tensor int8 weights); prints JSON.

    python bench/bench_weights.py [--session S.qft] [--data SPEC] [--limit N] [--layer L] [--clip M]
        [--method output-mse] [--out DIR]

The user's path, on a copy of the session: float and the per-tensor int8 export of the plan as it
is (the drop issue 25 measured: 1.76 pp on the full test set); ``qftune set-range S L/kernel -M M``
(default: block0_dw at ±3.0, the live channels' widest kernel, against 48.4 for its dead BN
channels) then ``qftune export --weights per-tensor``; and ``qftune reset-range S '*/kernel'
--method output-mse --granularity per-tensor`` (the chooser finds the clip by itself) then the
same export. Each int8 model is verified by the export and evaluated with LiteRT (1 thread) on
``--data`` (default all 10,000 ``fashion-mnist:test`` images). ``recovered`` is the fraction of
the baseline's drop a clip wins back.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from _cli import V1_SESSION, must, out_dir, print_result

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--session", default=str(V1_SESSION))
    ap.add_argument("--data", default="fashion-mnist:test")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--layer", default="block0_dw")
    ap.add_argument("--clip", type=float, default=3.0)
    ap.add_argument("--method", default="output-mse")
    ap.add_argument("--out", default=None, help="keep the .tflite files and sessions here (default: a temporary folder)")
    args = ap.parse_args()
    with out_dir(args.out) as out:
        print_result(clips(args, out))
    return 0


def clips(args, out: Path) -> dict:
    """Float, the plan as it is, the hand clip and the chooser's clip (module docstring), exported into ``out``."""
    from core.data import load_dataset
    from core.evaluate import evaluate
    from core.export import convert_float
    from core.models.bn_fold import folded_weights
    from core.models.convention import resolve_convention
    from core.models.loading import load_model
    from core.session import Session

    t0 = time.perf_counter()
    base = Session.load(args.session)
    model_path = base.require_model()
    conv = resolve_convention(session=base)
    ds = load_dataset(args.data, default_split="test").limit(args.limit)
    model = load_model(model_path)
    float_path = out / "float.tflite"
    float_path.write_bytes(convert_float(model, folded_weights(model)))
    f = evaluate(float_path, dataset=ds, convention=conv)
    result = {"session": str(args.session), "model": model_path, "data": args.data, "n_images": f.n_images,
              "weights": "per-tensor", "float_top1": f.top1, "cells": {}}

    def cell(name: str, session_path: Path, setup: list[list]) -> dict:
        t = time.perf_counter()
        for argv in setup:
            must(*argv)
        tfl = out / f"{name}_int8.tflite"
        must("export", session_path, "--out", tfl, "--weights", "per-tensor", "--force")
        r = evaluate(tfl, dataset=ds, convention=conv)
        row = {"top1": r.top1, "drop_pp": round((f.top1 - r.top1) * 100, 2),
               "commands": [" ".join(["qftune", *map(str, a)]) for a in setup],
               "kernel": next(k for k in json.loads(must("ranges", session_path, "--weights", "per-tensor", "--json"))
                              if k["layer"] == args.layer),
               "seconds": round(time.perf_counter() - t, 1)}
        result["cells"][name] = row
        print(f"{name}: top-1 {r.top1 * 100:.2f}% (drop {row['drop_pp']:.2f} pp)", file=sys.stderr)
        return row

    def copy(name: str) -> Path:
        p = out / f"{name}.qft"
        base.save(p, force=True)
        return p

    kernel = f"{args.layer}/kernel"
    baseline = cell("baseline", copy("baseline"), [])
    hand = cell("hand_clip", copy("hand_clip"), [["set-range", out / "hand_clip.qft", kernel, "-M", args.clip]])
    chooser = cell("chooser", copy("chooser"), [["reset-range", out / "chooser.qft", "*/kernel", "--method",
                                                 args.method, "--granularity", "per-tensor"]])
    for row in (hand, chooser):
        row["recovered"] = (round((baseline["drop_pp"] - row["drop_pp"]) / baseline["drop_pp"], 3)
                            if baseline["drop_pp"] > 0 else None)
    result["targets"] = {"hand_clip_within_0.3pp": hand["drop_pp"] <= 0.3,
                         "chooser_recovers_half": chooser["recovered"] is not None and chooser["recovered"] >= 0.5}
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
