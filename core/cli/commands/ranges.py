"""qftune ranges: the table of every int8 tensor's range in a session."""

from __future__ import annotations

import math

from ..json_output import print_json


def register(sub):
    from ...quant.granularity import GRANULARITIES

    p = sub.add_parser("ranges", help="show every int8 tensor's range, method and estimated error",
                       description="The model's input convention, then one row per int8 tensor of the session's plan: "
                       "name, op, shape, min, max, scale, zero point, method, estimated SQNR (dB) and saturated "
                       "percentage and the op's precision (int8, int16, float; an int16 row also has int16_scale). "
                       "--json: a list of rows; the INPUT row carries input_convention.")
    p.add_argument("session", metavar="S.qft", help="session file")
    p.add_argument("--json", action="store_true", help="print a JSON list of objects instead of a table")
    p.add_argument("--weights", nargs="?", const="per-channel", choices=list(GRANULARITIES), default=None,
                   metavar="DEFAULT",
                   help="list the kernel entries LAYER/kernel instead (reads the model): granularity, method, clip, "
                   "channels erased and weight SQNR; DEFAULT is export's --weights for entries that set none "
                   "(per-channel)")
    p.set_defaults(func=run)


def rows(plan, convention=None) -> list[dict]:
    """One dict per tensor; the INPUT row also carries ``input_convention`` (its ``to_dict()``)."""
    from ...plan.precision import float_layers, float_region, int16_layers
    from ...quant.grid import int16_scale

    floats, region, int16 = float_layers(plan), float_region(plan.tensors, plan), int16_layers(plan)
    out = []
    for e in plan:
        est = e.estimate()
        out.append({"name": e.name, "op": e.tensor.op, "shape": list(e.tensor.shape), "min": e.min, "max": e.max,
                    "scale": e.scale, "zero_point": e.zero_point, "method": e.method,
                    "sqnr_db": est.sqnr_db if math.isfinite(est.sqnr_db) else None,
                    "saturated_pct": 100.0 * est.saturated_fraction, "group": e.tensor.group,
                    "locked": e.locked,
                    # int8, int16 (16x8), float (set so) or float-input (reads a float op's output: computes in float)
                    "precision": "float" if e.name in floats else "float-input" if e.name in region
                    else "int16" if e.name in int16 else "int8"})
        if out[-1]["precision"] == "int16":   # the 16-bit grid on the same range (symmetric, zero point 0)
            out[-1]["int16_scale"] = int16_scale(e.params)
        if e.tensor.op == "INPUT" and convention is not None:
            out[-1]["input_convention"] = convention.to_dict()
    return out


def run(args) -> int:
    from ...models.convention import resolve_convention
    from ...session import Session

    session = Session.load(args.session)
    for w in session.warnings:
        print(f"warning: {w}", file=__import__("sys").stderr)
    if args.weights:
        return _run_weights(session, args)
    convention = resolve_convention(session=session)
    table = rows(session.plan, convention)
    if args.json:
        print_json(table, indent=1)
        return 0
    print(f"input convention: {convention.describe()}")
    head = (f"{'name':<22} {'op':<18} {'shape':<14} {'min':>11} {'max':>11} {'scale':>11} {'zp':>5} "
            f"{'method':<10} {'SQNR dB':>8} {'sat %':>7} {'precision':<11}")
    print(head)
    print("-" * len(head))
    for r in table:
        sqnr = "inf" if r["sqnr_db"] is None else f"{r['sqnr_db']:.1f}"
        shape = "x".join(str(d) for d in r["shape"])
        print(f"{r['name'][:22]:<22} {r['op'][:18]:<18} {shape[:14]:<14} {r['min']:>11.5g} {r['max']:>11.5g} "
              f"{r['scale']:>11.4g} {r['zero_point']:>5d} {r['method']:<10} {sqnr:>8} {r['saturated_pct']:>7.3f} "
              f"{r['precision']:<11}")
    if any(r["precision"] != "int8" for r in table):
        print("precision: float / int16 = set with qftune set-precision (int16: 16x8, int16 activations on the "
              "symmetric grid max(|min|,|max|)/32767, int8 weights); float-input = reads a float op's output, so "
              "it computes in float and its output is re-quantized with its range")
    return 0


def _run_weights(session, args) -> int:
    from ...workflows.weight_plan import attach_kernels, weight_rows

    attached = attach_kernels(session)
    table = weight_rows(session.plan, args.weights)
    if args.json:
        print_json(table, indent=1)
        return 0
    if not attached:
        print(f"warning: the session's model {session.model_path} is not there: no error figures",
              file=__import__("sys").stderr)
    head = (f"{'kernel':<26} {'kind':<16} {'granularity':<12} {'method':<10} {'clip':>10} {'max|w|':>10} "
            f"{'erased':>9} {'SQNR dB':>8} {'out dB':>7}")
    print(head)
    print("-" * len(head))
    for r in table:
        clip = ("max|w|" if r["clip"] is None else f"{r['clip'][0]:.4g}" if len(r["clip"]) == 1
                else f"{len(r['clip'])} ch")
        gran = r["granularity"] + ("" if r["granularity_set"] else "*")
        erased = f"{r['erased']}/{r['channels']}" if "erased" in r else "-"
        sqnr = "-" if "erased" not in r else "inf" if r["sqnr_db"] is None else f"{r['sqnr_db']:.1f}"
        mx = f"{r['max_abs']:.4g}" if "max_abs" in r else "-"
        osq = "-" if r.get("output_sqnr_db") is None else f"{r['output_sqnr_db']:.1f}"
        print(f"{r['name'][:26]:<26} {r['kind'][:16]:<16} {gran:<12} {r['method'][:10]:<10} {clip:>10} {mx:>10} "
              f"{erased:>9} {sqnr:>8} {osq:>7}")
    print(f"* the export's --weights ({args.weights}); an entry's own granularity wins over it. "
          "out dB: the output's SQNR estimated from each channel's BatchNorm variance")
    return 0
