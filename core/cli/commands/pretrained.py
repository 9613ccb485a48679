"""qftune pretrained: a keras.applications MobileNet with its ImageNet weights, as M.keras + model card M.json."""

from __future__ import annotations


def register(sub):
    from ...models.pretrained import ARCHS, MAX_ALPHA, MAX_CLASSES, MAX_SIZE, MIN_SIZE
    from ..argtypes import float_range, int_range

    p = sub.add_parser("pretrained", help="save a keras.applications MobileNet (ImageNet weights) + its model card",
                       description="Build keras.applications MobileNet / MobileNetV2 / MobileNetV3Small / "
                       "MobileNetV3Large with weights='imagenet' (Keras downloads them into ~/.keras/models/ on a "
                       "machine with internet access), save it as M.keras and a model card M.json recording the "
                       "architecture, alpha, input size and the input convention (V1/V2: pixel/127.5 - 1; V3: raw "
                       "0..255, rescaled inside the model). Offline, the error names the weights file and where to put it.")
    p.add_argument("arch", choices=list(ARCHS), help="architecture")
    p.add_argument("--alpha", type=float_range(0.0, MAX_ALPHA, lo_open=True), default=None,
                   help=f"width multiplier, above 0 and at most {MAX_ALPHA:g} (default 1.0; ImageNet weights exist "
                   "for V1 0.25/0.5/0.75/1.0, V2 0.35/0.5/0.75/1.0/1.3/1.4, V3 0.75/1.0)")
    p.add_argument("--size", type=int_range(MIN_SIZE, MAX_SIZE), default=224,
                   help=f"input size in px, {MIN_SIZE} to {MAX_SIZE} (default 224; V1 weights: 128/160/192/224, "
                   "V2: 96/128/160/192/224)")
    p.add_argument("--no-top", action="store_true", help="without the 1000-class head (add your own, fine-tune)")
    p.add_argument("--pooling", choices=["avg", "max"], default=None, help="with --no-top: global pooling at the end")
    p.add_argument("--classes", type=int_range(1, MAX_CLASSES), default=1000,
                   help="classes of the head (default 1000; another count needs --weights none)")
    p.add_argument("--no-preprocessing", action="store_true",
                   help="V3 only: without the Rescaling layer (the model then takes pixel/127.5 - 1)")
    p.add_argument("--weights", choices=["imagenet", "none"], default="imagenet",
                   help="imagenet (default) or none: random initialisation (tests, demos)")
    p.add_argument("--out", required=True, metavar="M.keras", help="model file to write (and M.json beside it)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing M.keras or M.json even if it is another kind of file")
    p.set_defaults(func=run)


def run(args) -> int:
    import sys

    from ...models.pretrained import WeightsUnavailableError, save_pretrained

    if args.classes < 1:
        raise ValueError(f"--classes must be at least 1, got {args.classes}")
    if args.pooling and not args.no_top:
        raise ValueError("--pooling needs --no-top (the ImageNet head has its own pooling)")
    if args.no_preprocessing and not args.arch.startswith("mobilenet-v3"):
        raise ValueError("--no-preprocessing is for mobilenet-v3-small/-large only")
    try:
        card = save_pretrained(args.out, args.arch, args.alpha, args.size, include_top=not args.no_top,
                               classes=args.classes, pooling=args.pooling,
                               weights=None if args.weights == "none" else "imagenet",
                               include_preprocessing=not args.no_preprocessing, force=args.force)
    except WeightsUnavailableError as exc:
        print(f"qftune pretrained: error: {exc}", file=sys.stderr)
        return 2
    print(f"saved {args.out} ({card['keras_application']}, alpha {card['alpha']:g}, {card['size']} px, "
          f"{card['classes']} outputs, weights {card['weights']}) and its card "
          f"{args.out[:-len('.keras')]}.json; input convention: {card['input']}")
    return 0
