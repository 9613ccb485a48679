"""qftune deploy: push a .tflite to a phone and measure latency (in rounds) and accuracy there."""

from __future__ import annotations

import sys

from ..json_output import print_json


def register(sub):
    from ...device.benchmark import DELEGATES
    from ...device.deploy import DEFAULT_REMOTE_DIR
    from ..argtypes import MAX_THREADS, hex_mask, int_range

    p = sub.add_parser("deploy", help="measure a .tflite on an Android phone: latency rounds and accuracy",
                       description="Push MODEL.tflite and TFLite's benchmark_model (and run_eval) to the phone, "
                       "run the benchmark in rounds printing each round as it arrives, then the accuracy on the "
                       "embedded evaluation set with run_eval. qftune never downloads the tools: point it at the "
                       "binaries you downloaded (e.g. android_aarch64_benchmark_model).")
    p.add_argument("models", nargs="+", metavar="MODEL.tflite",
                   help="model(s) to measure; give the float and the int8 file to compare them side by side; or one "
                   "session S.qft: its plan exported (verified) to S_measured_int8.tflite, scored with LiteRT on "
                   "the host and measured on the phone (the GUI's Jobs > Measure on Device)")
    p.add_argument("--serial", "-s", default=None, help="device serial (default: the only connected device)")
    p.add_argument("--benchmark-tool", required=True, metavar="PATH", help="TFLite benchmark_model binary for the phone")
    p.add_argument("--eval-tool", default=None, metavar="PATH",
                   help="TFLite imagenet_image_classification run_eval binary (without it: no device accuracy)")
    p.add_argument("--rounds", type=int_range(1, 1000), default=5, help="benchmark rounds (default 5; 1 to 1,000)")
    p.add_argument("--threads", type=int_range(1, MAX_THREADS), default=1,
                   help=f"interpreter threads (default 1, as in LPIRC; 1 to {MAX_THREADS})")
    p.add_argument("--runs", type=int_range(1, 100_000), default=50, help="inferences per round (default 50; 1 to 100,000)")
    p.add_argument("--warmup", type=int_range(0, 10_000), default=1, help="warm-up runs per round (default 1; 0 to 10,000)")
    p.add_argument("--delegate", choices=sorted(DELEGATES), default="cpu", help="cpu (default), xnnpack, gpu, nnapi")
    p.add_argument("--pin", metavar="MASK", default=None, type=hex_mask,
                   help="pin to cores with taskset MASK (hex), e.g. f0 = the Pixel 2's big cores (default: no pinning)")
    p.add_argument("--remote-dir", default=DEFAULT_REMOTE_DIR, help=f"directory on the phone (default {DEFAULT_REMOTE_DIR})")
    p.add_argument("--eval-images", type=int_range(1), default=2000,
                   help="images for run_eval (default 2000 = the whole embedded set; at least 1)")
    p.add_argument("--eval-data", default=None,
                   help="dataset for run_eval (default embedded:eval; for a session, the evaluation split of its data)")
    p.add_argument("--skip-bad", action="store_true", help="skip unreadable image files of --eval-data (each reported)")
    p.add_argument("--verbose", "-v", action="store_true", help="echo the tools' output lines to stderr")
    p.add_argument("--json", action="store_true", help="print the report as JSON at the end")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...device import LPIRC_BUDGET_MS, BenchmarkConfig, DeviceError, MeasureConfig
    from ...device.summary import format_ms
    from ...progress import Cancelled
    from ...workflows.deploy import deploy, labels_for
    from .. import CliError
    from ..progressbar import TextProgress

    models, sessions = _models(args.models, labels_for)
    config = MeasureConfig(benchmark_tool=args.benchmark_tool, eval_tool=args.eval_tool, serial=args.serial,
                           rounds=args.rounds, remote_dir=args.remote_dir, eval_images=args.eval_images,
                           eval_data=args.eval_data or (None if sessions else "embedded:eval"),
                           skip_bad=args.skip_bad,
                           bench=BenchmarkConfig(threads=args.threads, runs=args.runs, warmup_runs=args.warmup,
                                                 delegate=args.delegate, pin_mask=args.pin))
    out = sys.stderr if args.json else sys.stdout
    width = max(len(m) for m in models)

    def on_event(e):
        if e.kind == "device":
            d = e.data
            print(f"device {d.serial}: {d.model}, Android {d.android}, {d.abi}", file=out, flush=True)
        elif e.kind == "round":
            s = e.data
            budget = ""
            if s.parsed:
                budget = "  within 30 ms budget" if s.avg_ms <= LPIRC_BUDGET_MS else "  OVER the 30 ms budget"
                text = s.describe()
            else:
                text = "could not parse the tool's summary; raw output:\n" + s.raw
            print(f"round {e.round}/{config.rounds}  {e.model:<{width}}  {text}{budget}", file=out, flush=True)
        elif e.kind == "accuracy":
            if e.data is not None:
                print(f"accuracy {e.model:<{width}}  top-1 {e.data.top1:.4f} on the device ({e.text})", file=out, flush=True)
            else:
                print(f"accuracy {e.model:<{width}}  not measured: {e.text}", file=out, flush=True)
        elif e.kind == "log" and args.verbose:
            print(f"  [{e.model}] {e.text}", file=sys.stderr, flush=True)

    bar = TextProgress("deploy")
    try:
        if sessions:
            return _session(sessions[0], config, bar, on_event, args.json)
        report = deploy(models, config, progress=bar, on_event=on_event)
    except DeviceError as exc:
        partial = getattr(exc, "partial_output", "")
        if partial and args.verbose:
            print("tool output before the error:\n" + partial, file=sys.stderr)
        raise CliError(f"[{exc.kind}] {exc.full_message()}") from exc
    except Cancelled:
        raise CliError("cancelled") from None
    finally:
        bar.close()
    if args.json:
        print_json(report.to_json())
    else:
        for label in models:
            lat = [v for v in report.latency_ms(label) if v is not None]
            if lat:
                print(f"{label:<{width}}  best round {format_ms(min(lat))} ms, median {format_ms(sorted(lat)[len(lat) // 2])} ms "
                      f"(budget {LPIRC_BUDGET_MS:.0f} ms)")
    return 0


def _models(paths, labels_for):
    """``({label: path}, [the session])``: .tflite files side by side, or one session S.qft alone."""
    from .. import CliError

    sessions = [m for m in paths if str(m).lower().endswith(".qft")]
    if sessions and len(paths) > 1:
        raise CliError(f"{sessions[0]}: a session is measured on its own (its plan is exported first); give it alone")
    return (labels_for(paths) if not sessions else {"int8": sessions[0]}), sessions


def _session(path: str, config, bar, on_event, as_json: bool) -> int:
    from ...workflows.measure_step import describe, measure_session

    record = measure_session(path, config, progress=bar, on_event=on_event)
    bar.close()
    if as_json:
        print_json(record)
    else:
        print(f"wrote {record['tflite']} (the plan of {path}, verified)")
        for line in describe(record):
            print(line)
    return 0
