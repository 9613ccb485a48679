"""qftune train: train an original or quantization-friendly MobileNet, on one device or many."""

from __future__ import annotations

import sys

from ...data import SPEC_HELP
from ...models import ARCHITECTURES
from ..argtypes import checked_number, int_range
from ..json_output import print_json

STRATEGIES = ("auto", "one-device", "mirrored", "multi-worker")
RECIPES = ("qftune", "tf-slim-mobilenet")


def _ranged(name: str, integer: bool):
    """An argparse type that checks the option's range from core.training.config.LIMITS at parse time."""
    def check(value):
        from ...training.config import check_number

        return check_number(name, value, integer=integer)
    return checked_number(name, integer, check)


def register(sub):
    p = sub.add_parser(
        "train", help="train a MobileNet (original or QF) on a dataset, on one device, several GPUs or machines",
        description="Train a MobileNetV1/V2, original or quantization-friendly, with a progress bar (images/s per "
        "worker), a checkpoint every epoch (MODEL.ckpt.keras), a JSON log (MODEL.log.json) and a backup "
        "(MODEL.backup/) from which a killed or restarted run resumes at its last finished epoch. "
        "folder:/imagenet: data is streamed from disk (bounded memory). Multi-machine runs read TF_CONFIG; "
        "see docs/training-imagenet.md.")
    p.add_argument("--arch", choices=sorted(ARCHITECTURES), default="mobilenet-v2", help="architecture (default mobilenet-v2)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--qf", action="store_true", help="all three quantization-friendly changes (= --qf-changes 1,2,3)")
    g.add_argument("--qf-changes", metavar="LIST", default="",
                   help="comma list of QF changes: 1 = no BN/ReLU between depthwise and pointwise, "
                   "2 = ReLU instead of ReLU6, 3 = L2 on depthwise weights (default: none, the original network)")
    p.add_argument("--width", type=_ranged("width", False), default=0.5,
                   help="width multiplier alpha, > 0 and <= 4 (default 0.5)")
    p.add_argument("--data", default="fashion-mnist",
                   help=SPEC_HELP + ", imagenet:PATH[:train] (ILSVRC2012 synset folders, PATH/train when present); "
                   "default fashion-mnist, training split")
    p.add_argument("--path", default=None, help="folder of the Fashion-MNIST IDX files (default: Debian's)")
    p.add_argument("--epochs", type=_ranged("epochs", True), default=10, help="number of epochs, 1..10000 (default 10)")
    p.add_argument("--batch-size", type=_ranged("batch_size", True), default=128,
                   help="GLOBAL batch size, split evenly across every replica of every worker (must be a multiple "
                   "of the replica count), 1..65536 (default 128)")
    p.add_argument("--lr", type=_ranged("learning_rate", False), default=None,
                   help="base learning rate at the recipe's reference batch (qftune: 2e-3 at 128; tf-slim-mobilenet: "
                   "0.045 at 96); the rate used is scaled linearly with the global batch, lr * batch / reference "
                   "(default: the recipe's)")
    p.add_argument("--recipe", choices=RECIPES, default="qftune",
                   help="qftune (default; the bundled models: Adam, cosine decay) or tf-slim-mobilenet (the MobileNetV2 "
                   "paper: RMSProp 0.9/0.9/eps 1.0, 0.98 decay per epoch, weight decay 4e-5)")
    p.add_argument("--strategy", choices=STRATEGIES, default="auto",
                   help="auto (default: multi-worker when TF_CONFIG lists several workers, mirrored when more than one "
                   "GPU is visible, else one-device), one-device, mirrored (all local GPUs), multi-worker (TF_CONFIG)")
    p.add_argument("--mixed-precision", action="store_true",
                   help="mixed_float16 with Keras' loss scaling (GPUs only; refused on a CPU). The saved model is float32")
    p.add_argument("--input-size", type=_ranged("input_size", True), default=None,
                   help="model input size in px, 8..1024 (default: the images' size; for folders the smallest "
                   "sampled side, at most 224)")
    p.add_argument("--limit", type=_ranged("limit", True), default=None,
                   help="train on N images only (in-memory sets: the first N; folders: a seeded random N)")
    p.add_argument("--seed", type=int_range(0, 2**32 - 1), default=0, help="random seed (default 0)")
    p.add_argument("--no-augment", action="store_true",
                   help="no augmentation (default: random flips; random resized crops too at >= 96 px)")
    p.add_argument("--resume", action="store_true",
                   help="continue from MODEL.ckpt.keras (a backup in MODEL.backup/ is resumed even without it)")
    p.add_argument("--out", required=True, help="output model, MODEL.keras")
    p.add_argument("--json", action="store_true", help="print the run log as JSON at the end")
    p.add_argument("--force", action="store_true",
                   help="replace --out, its checkpoint or its training log even if it is another kind of file")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...training.callbacks import NonFiniteError
    from ...training.fit import WorkerLostError
    from ...training.strategy import StrategyError
    from ...workflows.train import train, train_config
    from ..progressbar import TextProgress

    config = train_config(arch=args.arch, qf_changes=(1, 2, 3) if args.qf else args.qf_changes, width=args.width,
                          data=args.data, data_path=args.path, epochs=args.epochs, batch_size=args.batch_size,
                          learning_rate=args.lr, input_size=args.input_size, limit=args.limit, seed=args.seed,
                          augment=not args.no_augment, recipe=args.recipe, strategy=args.strategy,
                          mixed_precision=args.mixed_precision)
    bar = TextProgress("train")
    try:
        log = train(args.out, config, resume=args.resume, force=args.force, progress=bar).to_dict()
    except (NonFiniteError, StrategyError, WorkerLostError) as exc:
        bar.close()
        print(f"\nqftune train: error: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, NonFiniteError) else 4 if isinstance(exc, WorkerLostError) else 2
    finally:
        bar.close()
    last = log["epochs"][-1] if log["epochs"] else {}
    if args.json:
        print_json(log)
    elif not log["runs"][-1].get("chief", True):
        print(f"worker done: {len(log['epochs'])} epochs ({log['runs'][-1]['strategy']}); the chief wrote the model")
    else:
        print(f"saved {args.out}: {len(log['epochs'])} epochs, loss {last.get('loss', float('nan')):.4f}, "
              f"train accuracy {last.get('accuracy', float('nan')):.4f}, {log['wall_time_s']:.0f} s "
              f"({log['runs'][-1]['strategy']})")
    return 0
