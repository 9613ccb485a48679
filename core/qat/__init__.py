"""Quantization-aware fine-tuning (QAT) from a session's plan, on Keras 3 (no tensorflow-model-optimization).

    config     FinetuneConfig: the options, their allowed ranges, the files a run writes
    ranges     the activation ranges as trainable variables: kept valid (contain 0, never narrower than
               RANGE_FLOOR), fixed or learned with FakeQuant's straight-through gradient
    kernels    a kernel fake-quantized as the export will (granularity, clips), straight-through
    model      QATModel: the export's BN-folded fake-quant graph (core.export.graph.node_step) with
               trainable kernels, biases and ranges
    data       the training split, checked against the evaluation split (no image in both)
    result     the float M_qat.keras (loadable, exportable) and M_qat.qft (the plan with the trained ranges)
    finetune   finetune(): the run, on the same strategies, BackupAndRestore and recipes as ``train``
"""

from .config import RANGE_MODES, FinetuneConfig, finetune_paths
from .finetune import finetune

__all__ = ["FinetuneConfig", "RANGE_MODES", "finetune", "finetune_paths"]
