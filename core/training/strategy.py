"""Which ``tf.distribute`` strategy trains, and this process's place in it.

  one-device    ``OneDeviceStrategy`` on the first GPU, else the CPU
  mirrored      ``MirroredStrategy`` over every local GPU (or the local CPU devices when there is no GPU)
  multi-worker  ``MultiWorkerMirroredStrategy`` across the machines listed in ``TF_CONFIG``
  auto          multi-worker when ``TF_CONFIG`` lists more than one worker, mirrored when more than one
                GPU is visible, else one-device

``QFTUNE_LOGICAL_CPUS=N`` (testing and benchmarks) splits the CPU into N logical devices before
TensorFlow starts, so ``mirrored`` has N replicas on a machine without GPUs.

The strategy must exist before any other TensorFlow op runs (MultiWorkerMirroredStrategy requires
it), so :func:`make_strategy` is the first TensorFlow call of a training run.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

LOGICAL_CPUS_ENV = "QFTUNE_LOGICAL_CPUS"


class StrategyError(RuntimeError):
    """The requested strategy cannot run here (no TF_CONFIG, no GPU for mixed precision, ...)."""


@dataclass
class Placement:
    """This process's share of the run."""

    kind: str               # the strategy actually used
    replicas: int           # replicas in sync across every worker
    workers: int = 1
    worker_index: int = 0
    is_chief: bool = True
    devices: tuple = ()

    def describe(self) -> str:
        where = f"worker {self.worker_index}/{self.workers}{' (chief)' if self.is_chief else ''}, " \
            if self.workers > 1 else ""
        return f"{self.kind}: {where}{self.replicas} replica(s) in sync on {', '.join(self.devices) or 'default device'}"


def tf_config() -> dict:
    raw = os.environ.get("TF_CONFIG", "")
    if not raw:
        return {}
    try:
        cfg = json.loads(raw)
    except ValueError as exc:
        raise StrategyError(f"TF_CONFIG is not valid JSON ({exc})") from None
    if not isinstance(cfg, dict):
        raise StrategyError("TF_CONFIG must be a JSON object with 'cluster' and 'task'")
    return cfg


def cluster_role(cfg: dict) -> tuple[int, int, bool]:
    """(number of workers, this worker's index, is chief) from a parsed TF_CONFIG."""
    cluster = cfg.get("cluster") or {}
    task = cfg.get("task") or {}
    workers = list(cluster.get("worker", []))
    chiefs = list(cluster.get("chief", []))
    kind, index = task.get("type"), task.get("index", 0)
    if kind not in ("worker", "chief") or not isinstance(index, int):
        raise StrategyError(f"TF_CONFIG task must be {{'type': 'worker'|'chief', 'index': N}}, got {task!r}")
    total = len(workers) + len(chiefs)
    if kind == "chief":
        return total, 0, True
    if not 0 <= index < len(workers):
        raise StrategyError(f"TF_CONFIG task index {index} but the cluster lists {len(workers)} worker(s)")
    return total, index + len(chiefs), (not chiefs and index == 0)


def _setup_logical_cpus(tf) -> None:
    n = os.environ.get(LOGICAL_CPUS_ENV)
    if not n:
        return
    try:
        n = int(n)
    except ValueError:
        raise StrategyError(f"{LOGICAL_CPUS_ENV} must be an integer, got {n!r}") from None
    cpus = tf.config.list_physical_devices("CPU")
    if n > 1 and cpus:
        try:
            tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * n)
        except RuntimeError:
            pass   # TensorFlow already initialised in this process: keep what it has


def make_strategy(name: str, mixed_precision: bool = False):
    """``(strategy, Placement)`` for ``name`` (one of config.STRATEGIES)."""
    import tensorflow as tf

    cfg = tf_config()
    n_workers = cluster_role(cfg)[0] if cfg.get("cluster") else 1
    _setup_logical_cpus(tf)
    gpus = tf.config.list_physical_devices("GPU")
    if name == "auto":
        name = "multi-worker" if n_workers > 1 else "mirrored" if len(gpus) > 1 else "one-device"
    if mixed_precision and not gpus:
        raise StrategyError("--mixed-precision needs a GPU: float16 arithmetic on a CPU is emulated and slower "
                            "than float32 (no GPU is visible to TensorFlow here)")

    if name == "multi-worker":
        if not cfg.get("cluster"):
            raise StrategyError("--strategy multi-worker needs the TF_CONFIG environment variable describing the "
                                "cluster, e.g. TF_CONFIG='{\"cluster\": {\"worker\": [\"host1:12345\", "
                                "\"host2:12345\"]}, \"task\": {\"type\": \"worker\", \"index\": 0}}' "
                                "(see docs/training-imagenet.md)")
        workers, index, chief = cluster_role(cfg)
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        devices = tuple(d.name for d in (tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")[:1]))
        placement = Placement("multi-worker", strategy.num_replicas_in_sync, workers, index, chief, devices)
    elif name == "mirrored":
        devices = [d.name for d in tf.config.list_logical_devices("GPU")] or \
            [d.name for d in tf.config.list_logical_devices("CPU")]
        cross = None if gpus else tf.distribute.ReductionToOneDevice(reduce_to_device=devices[0])
        strategy = tf.distribute.MirroredStrategy(devices=devices, cross_device_ops=cross)
        placement = Placement("mirrored", strategy.num_replicas_in_sync, devices=tuple(devices))
    elif name == "one-device":
        device = tf.config.list_logical_devices("GPU")[:1] or tf.config.list_logical_devices("CPU")[:1]
        strategy = tf.distribute.OneDeviceStrategy(device[0].name)
        placement = Placement("one-device", 1, devices=(device[0].name,))
    else:
        raise StrategyError(f"unknown strategy {name!r}")
    if mixed_precision:
        import keras

        keras.mixed_precision.set_global_policy("mixed_float16")
    return strategy, placement
