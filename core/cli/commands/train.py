"""qftune train: train an original or quantization-friendly MobileNet."""

from __future__ import annotations

import json

from ...data import SPEC_HELP
from ...models import ARCHITECTURES, parse_changes
from ..argtypes import MAX_BATCH, int_range


def register(sub):
    p = sub.add_parser("train", help="train a MobileNet (original or QF) on a dataset",
                       description="Train a MobileNetV1/V2, original or quantization-friendly, with a progress bar, "
                       "a checkpoint every epoch (MODEL.ckpt.keras) and a JSON log (MODEL.log.json).")
    p.add_argument("--arch", choices=sorted(ARCHITECTURES), default="mobilenet-v2", help="architecture (default mobilenet-v2)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--qf", action="store_true", help="all three quantization-friendly changes (= --qf-changes 1,2,3)")
    g.add_argument("--qf-changes", metavar="LIST", default="",
                   help="comma list of QF changes: 1 = no BN/ReLU between depthwise and pointwise, "
                   "2 = ReLU instead of ReLU6, 3 = L2 on depthwise weights (default: none, the original network)")
    p.add_argument("--width", type=float, default=0.5, help="width multiplier alpha (default 0.5)")
    p.add_argument("--data", default="fashion-mnist", help=SPEC_HELP + " (default fashion-mnist, training split)")
    p.add_argument("--path", default=None, help="folder of the Fashion-MNIST IDX files (default: Debian's)")
    p.add_argument("--epochs", type=int, default=10, help="number of epochs (default 10)")
    p.add_argument("--batch-size", type=int_range(1, MAX_BATCH), default=128, help=f"batch size (default 128; 1 to {MAX_BATCH:,})")
    p.add_argument("--lr", type=float, default=2e-3, help="initial learning rate, cosine-decayed (default 2e-3)")
    p.add_argument("--input-size", type=int_range(16, 1024), default=None,
                   help="model input size in px, 16 to 1024 (default: the images' size)")
    p.add_argument("--limit", type=int_range(1), default=None, help="train on the first N images only (N >= 1)")
    p.add_argument("--seed", type=int_range(0, 2**32 - 1), default=0, help="random seed (default 0; 0 to 2^32-1)")
    p.add_argument("--no-augment", action="store_true", help="no random horizontal flips")
    p.add_argument("--resume", action="store_true", help="continue from MODEL.ckpt.keras")
    p.add_argument("--out", required=True, help="output model, MODEL.keras")
    p.add_argument("--json", action="store_true", help="print the run log as JSON at the end")
    p.add_argument("--force", action="store_true", help="replace --out even if it is another kind of file (a session)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...training import TrainConfig, train
    from ..outputs import check_train_outputs
    from ..progressbar import TextProgress

    check_train_outputs(args.out, args.resume, args.force)

    changes = (1, 2, 3) if args.qf else parse_changes(args.qf_changes)
    config = TrainConfig(arch=args.arch, qf_changes=changes, width=args.width, data=args.data, data_path=args.path,
                         epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr,
                         input_size=args.input_size, limit=args.limit, seed=args.seed, augment=not args.no_augment)
    bar = TextProgress("train")
    try:
        log = train(config, args.out, resume=args.resume, progress=bar)
    finally:
        bar.close()
    last = log["epochs"][-1] if log["epochs"] else {}
    if args.json:
        print(json.dumps(log, indent=2))
    else:
        print(f"saved {args.out}: {len(log['epochs'])} epochs, loss {last.get('loss', float('nan')):.4f}, "
              f"train accuracy {last.get('accuracy', float('nan')):.4f}, {log['wall_time_s']:.0f} s")
    return 0
