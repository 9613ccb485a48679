"""qftune weights: per layer, the folded per-channel weight ranges and what per-tensor int8 does to them."""

from __future__ import annotations

from pathlib import Path

from ..json_output import print_json


def register(sub):
    p = sub.add_parser("weights", help="per-layer folded weight ranges: spread, channels per-tensor int8 erases, dead BN",
                       description="Fold BatchNorm into each conv/depthwise kernel (as the int8 export does) and show, "
                       "per layer: output channels, the per-tensor max|w|, the spread of the per-channel ranges "
                       "(max/median of per-channel max|w|), the channels whose every weight rounds to 0 under "
                       "per-tensor int8 weights (erased), the dead channels (BN moving variance < 1e-6) and the "
                       "largest folded BN scale gamma/sqrt(var+eps). A totals line follows. This is the mechanism "
                       "of the paper's per-tensor collapse (docs/ablation.md).")
    p.add_argument("model", metavar="MODEL.keras", help="Keras model (.keras, .h5 or SavedModel folder)")
    p.add_argument("--layer", default=None, help="only this layer (a conv, depthwise or dense layer's name)")
    p.add_argument("--kind", choices=("depthwise", "conv", "all"), default="all",
                   help="which layers to list and total (default all; the paper's mechanism is in depthwise)")
    p.add_argument("--json", action="store_true", help="print {model, kind, totals, layers} as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...weights.mechanism import finite, select, totals, totals_line
    from ...workflows.weights import read_weights
    from .. import CliError

    if not Path(args.model).exists():
        raise CliError(f"{args.model}: no such model file")
    weights = read_weights(args.model)
    if args.layer is not None:
        if args.layer not in weights:
            names = list(weights)
            raise CliError(f"--layer {args.layer!r}: {args.model} has no conv/depthwise/dense layer of that name; "
                           "layers: " + ", ".join(names[:12]) + (f" ... ({len(names)} in all)" if len(names) > 12 else ""))
        layers = [weights[args.layer]]
    else:
        layers = select(weights, args.kind)
    mech = finite({"kind": args.layer or args.kind, "totals": totals(layers), "layers": [w.summary() for w in layers]})
    if args.json:
        print_json({"model": str(args.model), **mech}, indent=1)
        return 0
    head = (f"{'layer':<22} {'kind':<15} {'channels':>8} {'tensor max':>11} {'spread':>8} "
            f"{'erased':>7} {'dead':>5} {'max BN scale':>13}")
    print(head)
    print("-" * len(head))
    for r in mech["layers"]:
        spread = "inf" if r["spread"] is None else f"{r['spread']:.2f}x"
        bn = "-" if r["max_bn_scale"] is None else f"{r['max_bn_scale']:.4g}"
        print(f"{r['layer'][:22]:<22} {r['kind'][:15]:<15} {r['channels']:>8} {r['tensor_max']:>11.4g} {spread:>8} "
              f"{r['collapsed']:>7} {r['dead']:>5} {bn:>13}")
    print(totals_line(mech))
    return 0
