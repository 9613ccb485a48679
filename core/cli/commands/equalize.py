"""qftune equalize: data-free cross-layer equalization (+ bias absorption) -> a float Keras model."""

from __future__ import annotations

from ...data import SPEC_HELP
from ..json_output import print_json


def register(sub):
    p = sub.add_parser("equalize", help="fold BN, cross-layer equalize (+ bias absorption) -> MODEL_eq.keras",
                       description="Data-free quantization (Nagel et al. 2019): fold BatchNorm, rescale every "
                       "conv->conv and depthwise->pointwise pair through its ReLU/linear activation so both layers' "
                       "per-channel weight ranges match (iterated to convergence), optionally move biases into the "
                       "next layer (bias absorption), and write a float Keras model that qftune can calibrate and "
                       "export. ReLU6 between equalized layers becomes ReLU, as in the paper (--relu6 keep: leave "
                       "ReLU6 pairs alone, exactly equivalent). Prints the per-channel range spread (max/median of "
                       "max|w|) before and after for every layer and checks the outputs against the input model on "
                       "real images. Writes MODEL_eq.dfq.json (report + BN statistics for analytic bias correction).")
    p.add_argument("model", metavar="MODEL", help="Keras model file (.keras)")
    p.add_argument("--out", required=True, metavar="MODEL_eq.keras", help="the equalized model to write")
    p.add_argument("--no-bias-absorption", action="store_true", help="CLE only")
    p.add_argument("--relu6", choices=["relu", "keep"], default="relu",
                   help="relu (default, as the DFQ paper): ReLU6 between equalized layers becomes ReLU; "
                   "keep: do not equalize through ReLU6")
    p.add_argument("--data", default="embedded:eval", help=SPEC_HELP + " (images for the equivalence check; "
                   "default embedded:eval)")
    p.add_argument("--check-images", type=int, default=256, metavar="N", help="images for the check (default 256)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--force", action="store_true",
                   help="replace an existing MODEL_eq.keras, .dfq.json or .json even if it is another kind of file")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...equalize.report import SPREAD_TARGET, format_table
    from ...workflows.equalize import equalize
    from ..progressbar import TextProgress

    bar = TextProgress("equalize")
    try:
        outcome = equalize(args.model, args.out, bias_absorption=not args.no_bias_absorption, relu6=args.relu6,
                           data=args.data, check_images=args.check_images, force=args.force, progress=bar)
    finally:
        bar.close()
    result, check = outcome.result, outcome.check
    if args.json:
        print_json(outcome.to_dict())
        return 0
    print(format_table(result.spread))
    print(f"{len(result.pairs)} pairs equalized in {result.sweeps} sweeps (last max |s-1| {result.residual:.1e}); "
          f"bias absorption: {'off' if args.no_bias_absorption else f'{len(result.absorbed)} layers shifted'}")
    if result.relu6_replaced:
        print(f"ReLU6 -> ReLU in {len(result.relu6_replaced)} layers (DFQ); that alone changes the outputs by "
              f"max rel {check['relu6_to_relu_max_rel_diff']:.2e}")
    print(f"check on {check['data']}: max rel diff vs the ReLU twin {check['max_rel_diff_vs_relu_reference']:.2e}, "
          f"vs the input {check['max_rel_diff_vs_input']:.2e}, same top-1 on "
          f"{check['top1_agreement_vs_input'] * 100:.2f}%")
    over = result.depthwise_over_target()
    if over:
        print(f"depthwise layers still above {SPREAD_TARGET:g}x spread: " +
              ", ".join(f"{r['layer']} {r['spread_after']:.2f}x" for r in over))
    print(f"wrote {args.out} and {args.out.rsplit('.', 1)[0]}.dfq.json")
    return 0
