"""qftune export: an int8 .tflite with exactly the session's ranges, verified before it is written."""

from __future__ import annotations

from ..json_output import print_json


def register(sub):
    from ...quant.granularity import GRANULARITIES

    p = sub.add_parser("export", help="export an int8 .tflite with the session's exact ranges",
                       description="Fold BatchNorm, put a fixed-range FakeQuant on every tensor of the plan, convert "
                       "with TFLite (int8 input and output) and verify that every stored scale and zero point equals "
                       "the plan's before writing. Writes MODEL.export.json next to the model.")
    p.add_argument("session", help="session file S.qft (from qftune calibrate)")
    p.add_argument("--out", required=True, help="output int8 model, MODEL_int8.tflite")
    p.add_argument("--weights", choices=list(GRANULARITIES), default="per-channel",
                   help="weight quantization granularity for conv kernels (default per-channel); a kernel entry "
                   "the session sets (qftune set-range LAYER/kernel) wins over it")
    p.add_argument("--float-out", default=None, help="also write the float32 .tflite (BN folded) here")
    p.add_argument("--model", default=None, help="the calibrated Keras model, if it moved since calibration")
    p.add_argument("--bias-correction", choices=["none", "analytic", "empirical"], default="none",
                   help="correct each layer's bias for the mean shift its rounded kernel causes (DFQ): analytic from "
                   "BatchNorm statistics (the model's, or an equalized model's .dfq.json) where they exist, the "
                   "calibration images' means otherwise; empirical: the calibration images' means everywhere "
                   "(default none)")
    p.add_argument("--calib-data", default=None, metavar="SPEC",
                   help="images for --bias-correction (default: the session's calibration images)")
    p.add_argument("--json", action="store_true", help="print the export report as JSON")
    p.add_argument("--force", action="store_true",
                   help="replace an existing --out, --float-out or export report even if it is another kind of file")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...export.report import export_outputs
    from ...models.convention import resolve_convention
    from ...outputs import check_outputs
    from ...workflows.export import export
    from ...workflows.inputs import load_session
    from ..progressbar import TextProgress

    session = load_session(args.session, args.model)
    check_outputs([("the session", args.session), ("the model", session.model_path)],
                  export_outputs(args.out, args.float_out), force=args.force)
    plan, convention = session.plan, resolve_convention(session=session)
    bar = TextProgress("export")
    try:
        report = export(session.model_path, plan.tensors, plan.ranges(), args.out, weights=args.weights,
                        float_out=args.float_out, convention=convention, bias_correction=args.bias_correction,
                        calibration=session.calibration, calib_data=args.calib_data, force=args.force,
                        progress=bar, weight_plan=plan)
    finally:
        bar.close()
    if args.json:
        print_json(report.to_dict())
    else:
        print(f"wrote {report.path} ({report.size_bytes / 1024:.1f} KiB, {args.weights} weights): "
              f"{len(report.tensors)} tensors verified, ops {', '.join(f'{k} {v}' for k, v in report.ops.items())}, "
              f"{report.seconds.get('total', 0):.1f} s")
        planned = [e for e in plan.weights.values() if not e.state.is_default]
        if planned:
            print(f"kernel entries from the plan: {len(planned)} ("
                  + ", ".join(f"{e.name} {e.granularity} {e.method}" for e in planned[:4])
                  + (" ..." if len(planned) > 4 else "") + "), scales verified")
        if report.float_path:
            print(f"wrote {report.float_path} (float32)")
        print(f"input convention: {convention.describe()}")
        if report.bias_correction:
            from ...equalize.bias_correction import summary

            print(summary(report.bias_correction))
    return 0
