"""qftune finetune: quantization-aware fine-tuning from a session's plan (Keras 3, no TF-MOT)."""

from __future__ import annotations

import sys

from ...data import SPEC_HELP
from ..argtypes import checked_number, int_range
from ..json_output import print_json
from .train import RECIPES, STRATEGIES

RANGE_MODES = ("fixed", "learned")


def _ranged(name: str):
    """An argparse type checking ``name``'s range (core.qat.config.LIMITS) at parse time."""
    def integer() -> bool:
        from ...qat.config import LIMITS

        return LIMITS[name][2]

    def check(value):
        from ...qat.config import check_option

        return check_option(name, value)
    return checked_number(name, integer, check)


def register(sub):
    from ...quant.granularity import GRANULARITIES

    p = sub.add_parser(
        "finetune", help="quantization-aware fine-tuning from a session's plan: M_qat.keras + M_qat.qft",
        description="Fine-tune the session's model with the int8 quantization of its plan simulated exactly as the "
        "export computes it (BatchNorm folded, FakeQuant at every plan tensor, kernels fake-quantized per the plan, "
        "straight-through gradients). Writes the fine-tuned float model (--out M_qat.keras) and its session "
        "M_qat.qft beside it, whose plan holds the trained ranges: `qftune export M_qat.qft` then goes through the "
        "one verified export. Progress, a per-epoch log (M_qat.log.json) and a backup (M_qat.backup/) from which "
        "a killed run resumes when the same command is run again.")
    p.add_argument("session", help="session file S.qft (from qftune calibrate)")
    p.add_argument("--data", required=True, help=SPEC_HELP + "; its training split (never an image of the test "
                   "split qftune evaluate uses: checked)")
    p.add_argument("--path", default=None, help="folder of the Fashion-MNIST IDX files (default: Debian's)")
    p.add_argument("--epochs", type=_ranged("epochs"), default=1, help="epochs, 1..10000 (default 1)")
    p.add_argument("--steps-per-epoch", type=_ranged("steps_per_epoch"), default=None,
                   help="steps per epoch (default: one pass over the training images)")
    p.add_argument("--batch-size", type=_ranged("batch_size"), default=32,
                   help="GLOBAL batch size, a multiple of the replica count (default 32)")
    p.add_argument("--lr", type=_ranged("learning_rate"), default=None,
                   help="learning rate at the recipe's reference batch, > 0 and <= 1, scaled linearly with the "
                   "batch as in train (default 1e-5)")
    p.add_argument("--ranges", choices=RANGE_MODES, default="fixed",
                   help="fixed (default): the plan's activation ranges, bit-identical in M_qat.qft; learned: "
                   "trained with a straight-through estimator, kept containing 0 and at least 1e-4 wide")
    p.add_argument("--weights", choices=list(GRANULARITIES), default="per-channel",
                   help="granularity of kernels whose plan entry sets none (default per-channel, export's default); "
                   "M_qat.qft records it on every kernel entry")
    p.add_argument("--recipe", choices=RECIPES, default="qftune", help="optimizer and schedule, as in train")
    p.add_argument("--strategy", choices=STRATEGIES, default="auto", help="as in train (default auto)")
    p.add_argument("--limit", type=_ranged("limit"), default=None, help="train on N images only")
    p.add_argument("--seed", type=int_range(0, 2**32 - 1), default=0, help="random seed (default 0)")
    p.add_argument("--augment", action="store_true", help="train's augmentation (default: none)")
    p.add_argument("--model", default=None, help="the session's Keras model, if it moved since calibration")
    p.add_argument("--out", required=True, help="output float model, M_qat.keras (M_qat.qft is written beside it)")
    p.add_argument("--json", action="store_true", help="print the run log as JSON at the end")
    p.add_argument("--force", action="store_true",
                   help="replace an output even if it is another kind of file")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...qat import FinetuneConfig
    from ...training.callbacks import NonFiniteError
    from ...training.strategy import StrategyError
    from ...workflows.finetune import finetune
    from ..progressbar import TextProgress

    config = FinetuneConfig(data=args.data, data_path=args.path, epochs=args.epochs,
                            steps_per_epoch=args.steps_per_epoch, batch_size=args.batch_size, learning_rate=args.lr,
                            ranges=args.ranges, weights=args.weights, strategy=args.strategy, recipe=args.recipe,
                            limit=args.limit, seed=args.seed, augment=args.augment)
    bar = TextProgress("finetune")
    try:
        log = finetune(args.session, config, args.out, model=args.model, force=args.force, progress=bar).to_dict()
    except (NonFiniteError, StrategyError) as exc:
        bar.close()
        print(f"\nqftune finetune: error: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, NonFiniteError) else 2
    finally:
        bar.close()
    if args.json:
        print_json(log)
    elif not log["runs"][-1].get("chief", True):
        print(f"worker done: {len(log['epochs'])} epochs; the chief wrote the model")
    else:
        last = log["epochs"][-1] if log["epochs"] else {}
        print(f"saved {log['model']} and {log['session_out']}: {len(log['epochs'])} epochs "
              f"({log['images_seen']} images), loss {last.get('loss', float('nan')):.4f}, train accuracy "
              f"{last.get('accuracy', float('nan')):.4f}, ranges {args.ranges}, {log['wall_time_s']:.0f} s")
        print(f"data: {log.get('data_check')}")
        print(f"next: qftune export {log['session_out']} --out MODEL_int8.tflite")
    return 0
