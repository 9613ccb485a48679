"""Training MobileNets (original or QF) on tf.distribute, with streaming input and resumable runs.

    config     TrainConfig, the allowed range of every option, the files a run writes
    recipes    optimizer / schedule / weight decay / loss presets (qftune, tf-slim-mobilenet)
    strategy   one-device, mirrored, multi-worker (TF_CONFIG), auto
    input      the streaming tf.data pipeline (file lists, sharding, augmentation)
    callbacks  progress and log, checkpoints, the NaN stop, BackupAndRestore
    setup      what every run sets up first (strategy, steps per epoch, the backup check), for train and finetune
    fit        train()
"""

from .config import STRATEGIES, ConfigError, TrainConfig, output_paths
from .fit import train
from .recipes import RECIPES

__all__ = ["TrainConfig", "train", "ConfigError", "STRATEGIES", "RECIPES", "output_paths"]
