"""qftune demo: the headless end-to-end run on the embedded default."""

from __future__ import annotations

from pathlib import Path


def register(sub):
    p = sub.add_parser("demo", help="headless end-to-end demo: calibrate, export int8, evaluate, report.html",
                       description="Load the bundled QF and original MobileNetV2 (Fashion-MNIST), calibrate both on the "
                       "embedded images, choose ranges with greedy and min/max, export int8 with per-channel and "
                       "per-tensor weights, evaluate everything against float and write a folder with the sessions, "
                       "the models and report.html. The original model is also equalized (CLE + bias absorption) and "
                       "exported with and without bias correction (--no-dfq skips that). When the four MobileNetV1 "
                       "ablation models are bundled "
                       "(resources/models/mobilenet_v1_{orig,step1,step2,qf}_fmnist.keras), their table follows: float and "
                       "the four int8 cells on the same images, with the depthwise mechanism (docs/ablation.md; "
                       "--no-ablation skips it).")
    p.add_argument("--out", default="qftune-demo", help="output folder (default ./qftune-demo)")
    p.add_argument("--force", action="store_true",
                   help="write into an existing --out folder that holds files the demo did not write")
    p.add_argument("--quick", action="store_true", help="reduced mode for CI: 300 evaluation images, 8 for SQNR")
    p.add_argument("--models", nargs=2, metavar=("QF_MODEL", "ORIG_MODEL"), default=None,
                   help="use these two Keras models instead of the bundled ones")
    p.add_argument("--no-dfq", action="store_true",
                   help="skip the data-free fixes on the original model (CLE + bias absorption, bias correction)")
    p.add_argument("--no-plots", action="store_true", help="skip the per-tensor histogram PNGs")
    p.add_argument("--no-ablation", action="store_true",
                   help="skip the MobileNetV1 ablation table (the paper's Table 1: original, step1, step2, QF)")
    p.add_argument("--ablation-models", nargs="+", metavar="NAME=PATH", default=None,
                   help="the ablation table's models (default: the bundled mobilenet_v1_{orig,step1,step2,qf}_fmnist; "
                   "--quick: orig and qf only)")
    p.add_argument("--eval-images", type=int, default=None, metavar="N",
                   help="evaluate on the first N embedded images (default 2,000; 300 with --quick)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...demo import DemoConfig, check_folder, headline, run_demo
    from ...outputs import DIRECTORY, Output, OutputError, check_outputs
    from ..progressbar import TextProgress

    models = None
    if args.models:
        models = {"QF-MobileNetV2": args.models[0], "MobileNetV2 (original)": args.models[1]}
    check_outputs([("--models", p) for p in (args.models or [])], [Output("--out", args.out, DIRECTORY)])
    check_folder(args.out, args.force)
    for p in args.models or []:     # the demo rewrites its .qft/.tflite/.json/.html files in --out
        for q in (Path(p).absolute(), Path(p).resolve()):
            if q.parent == Path(args.out).resolve() and q.suffix in (".qft", ".tflite", ".json", ".html"):
                raise OutputError(f"--models {p} is inside --out {args.out} under a name like the files the demo "
                                  "writes there; move the model or choose another --out")
    ablation_models = None
    for item in args.ablation_models or []:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise OutputError(f"--ablation-models {item!r}: expected NAME=PATH")
        if not Path(path).exists():
            raise OutputError(f"--ablation-models {name}={path}: no such model file")
        ablation_models = {**(ablation_models or {}), name: path}
    if args.eval_images is not None and args.eval_images < 1:
        raise OutputError(f"--eval-images {args.eval_images}: must be at least 1")
    config = DemoConfig(Path(args.out), quick=args.quick, models=models, plots=not args.no_plots, dfq=not args.no_dfq,
                        ablation=not args.no_ablation, ablation_models=ablation_models, eval_images=args.eval_images)
    bar = TextProgress("demo")
    try:
        summary = run_demo(config, progress=bar, log=lambda msg: (bar.close(), print(msg, flush=True)))
    finally:
        bar.close()
    report = Path(args.out).resolve() / "report.html"
    print(f"\nreport: {report}")
    for line in headline(summary):
        print("  " + line)
    from ...demo.dfq import table_lines

    lines = table_lines(summary)
    if lines:
        print("\ndata-free fixes, top-1 % (drop in pp):")
        for line in lines:
            print("  " + line)
    from ...demo.ablation import table_lines as ablation_lines

    lines = ablation_lines(summary)
    if lines:
        print("\nMobileNetV1 ablation, top-1 % (change from float in pp) and the depthwise mechanism:")
        for line in lines:
            print("  " + line)
    print(f"demo finished in {summary['seconds']:.0f} s ({summary['mode']} mode)")
    return 0
