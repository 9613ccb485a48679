"""Time export + verification of a model (default: the bundled QF-MobileNetV2); prints JSON.

    python bench/bench_export.py [--model M.keras] [--weights per-channel|per-tensor|both]

Calibrates on the embedded images (greedy), then times ``export_int8`` (BN folding,
tracing, TFLite conversion, verification, writing) for each weight granularity.
Target: under 15 s for the bundled model on this 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from core.calibrate import calibrate
    from core.export import export_int8
    from core.models.loading import load_model
    from core.resources import RESOURCES

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(RESOURCES / "models/mobilenet_v2_qf_fmnist.keras"))
    ap.add_argument("--weights", default="both", choices=["per-channel", "per-tensor", "both"])
    args = ap.parse_args()
    session = calibrate(args.model, "embedded", per_class=None)
    model = load_model(args.model)
    plan = session.plan
    ranges = plan.ranges()
    out = {"model": args.model, "n_tensors": len(plan), "runs": []}
    grans = ["per-channel", "per-tensor"] if args.weights == "both" else [args.weights]
    with tempfile.TemporaryDirectory() as d:
        for w in grans:
            t0 = time.perf_counter()
            rep = export_int8(model, plan.tensors, ranges, Path(d) / f"m_{w}.tflite", weights=w)
            out["runs"].append({"weights": w, "seconds": round(time.perf_counter() - t0, 2), "breakdown": rep.seconds,
                                "size_bytes": rep.size_bytes, "verified": rep.verification["ok"]})
    out["target_s"] = 15
    out["pass"] = all(r["seconds"] < 15 and r["verified"] for r in out["runs"])
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
