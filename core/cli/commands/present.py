"""qftune present: the presenter's story, prepared before a talk (--prepare) and shown full screen."""

from __future__ import annotations


def register(sub):
    p = sub.add_parser("present", help="presenter mode: prepare the story's figures (--prepare), then show them full screen",
                       description="A keyboard-driven, full-screen story for a talk: the float model, the same model "
                       "in int8 with per-tensor weights (which predictions flip), the cause (the worst layer's "
                       "erased channels), the fixes with the accuracy after each (per-channel weights, CLE, the QF "
                       "architecture, greedy ranges) and the phone. Every figure comes from a cache that "
                       "--prepare computes before the talk (verified int8 exports evaluated with LiteRT). "
                       "Default pair: the bundled original MobileNetV1 session and its QF twin. Keys: "
                       "PageDown/Right/space next, PageUp/Left back, Esc leaves.")
    p.add_argument("sessions", nargs="*", metavar="SESSION",
                   help="SESSION_A (the model that suffers) and SESSION_B (its quantization-friendly twin); "
                   "default: resources/sessions/mobilenet_v1_{orig,qf}_fmnist.qft")
    p.add_argument("--prepare", action="store_true", help="compute the story's figures into the cache and exit")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="the cache folder (default: present-<A>-vs-<B> beside SESSION_A)")
    p.add_argument("--data", default=None, metavar="SPEC",
                   help="evaluation images (default: embedded:eval for sessions calibrated on the embedded set)")
    p.add_argument("--eval-images", type=int, default=500, metavar="N",
                   help="images every accuracy is measured on (default 500)")
    p.add_argument("--samples", type=int, default=12, metavar="N", help="sample thumbnails shown (1..24, default 12)")
    p.add_argument("--phone", default=None, metavar="REPORT.json",
                   help="a `qftune deploy --json` report: its latency/accuracy are shown as recorded (when, on what)")
    p.add_argument("--device", default=None, metavar="SERIAL",
                   help="with --prepare: measure the phone step's models on this connected phone now (latency and, "
                   "with --eval-tool, accuracy); the step is labelled with when and which phone")
    p.add_argument("--benchmark-tool", default=None, metavar="PATH",
                   help="with --device: TFLite benchmark_model binary for the phone (qftune never downloads it)")
    p.add_argument("--eval-tool", default=None, metavar="PATH",
                   help="with --device: TFLite run_eval binary, for the accuracy on the phone")
    p.add_argument("--rounds", type=int, default=3, metavar="N", help="with --device: benchmark rounds (default 3)")
    p.add_argument("--runs", type=int, default=50, metavar="N", help="with --device: inferences per round (default 50)")
    p.set_defaults(func=run)


def device_config(args):
    """The MeasureConfig of ``--device``, or None; a CliError naming the option when it cannot run."""
    from .. import CliError

    given = [o for o, v in (("--benchmark-tool", args.benchmark_tool), ("--eval-tool", args.eval_tool)) if v]
    if args.device is None:
        if given:
            raise CliError(f"{given[0]} needs --device SERIAL (the phone to measure on)")
        return None
    if not args.prepare:
        raise CliError("--device measures while preparing: use it with --prepare")
    if not args.benchmark_tool:
        raise CliError("--device needs --benchmark-tool PATH (the phone's benchmark_model; qftune never downloads it)")
    if args.rounds < 1 or args.runs < 1:
        raise CliError(f"--rounds and --runs must be at least 1, got {args.rounds} and {args.runs}")
    from ...device import BenchmarkConfig, MeasureConfig

    return MeasureConfig(benchmark_tool=args.benchmark_tool, eval_tool=args.eval_tool, serial=args.device,
                         rounds=args.rounds, bench=BenchmarkConfig(runs=args.runs))


def pair(args):
    from ...present import bundled_pair
    from .. import CliError

    if not args.sessions:
        return bundled_pair()
    if len(args.sessions) != 2:
        raise CliError(f"give two sessions (SESSION_A SESSION_B) or none for the bundled pair, got {len(args.sessions)}")
    return tuple(args.sessions)


def run(args) -> int:
    from pathlib import Path

    a, b = pair(args)
    device = device_config(args)
    if not args.prepare:
        return _show(a, b, args.out)
    from ...device import DeviceError
    from ...present import prepare
    from .. import CliError
    from ..progressbar import TextProgress

    bar = TextProgress("present")
    try:
        folder = prepare(a, b, out=args.out, data=args.data, eval_images=args.eval_images, samples=args.samples,
                         phone=args.phone, progress=bar, device=device)
    except DeviceError as exc:
        raise CliError(f"--device {args.device}: [{exc.kind}] {exc.full_message()}") from exc
    finally:
        bar.close()
    from ...present import load_story

    story = load_story(folder)
    print(f"presenter cache: {Path(folder).resolve()}")
    for i, step in enumerate(story["steps"], 1):
        print(f"  {i:2d}. {step['title']}: {step['sentence']}")
    return 0


def _show(a, b, out) -> int:
    import sys

    from ...present import StoryError, open_story
    from .gui import run_window

    try:
        open_story(a, b, out)
    except StoryError as exc:
        print(f"qftune present: error: {exc}", file=sys.stderr)
        return 2
    return run_window("presenter.app", "present", str(a), str(b), out)
