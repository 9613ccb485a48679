"""Training recipes: optimizer, learning-rate schedule, regularisation and loss, by name.

The learning rate scales linearly with the global batch (Goyal et al. 2017, "Accurate, Large
Minibatch SGD", §2.1): ``lr = base_lr * global_batch / reference_batch``, so doubling the GPUs at a
fixed per-GPU batch doubles the rate. ``base_lr`` is ``--lr`` or the recipe's own.

``qftune`` (the default) is what the bundled models were trained with (``resources/models/*.json``):
Adam, 2e-3 at batch 128, cosine decay to 0 over the run, per epoch; no extra weight decay (QF change 3
adds its own L2 on depthwise weights); sparse categorical cross-entropy.

``tf-slim-mobilenet`` is the MobileNetV2 paper's ImageNet recipe (Sandler et al. 2018, §6.1 "Training
setup": "RMSPropOptimizer with both decay and momentum set to 0.9 ... weight decay is set to 0.00004
... initial learning rate of 0.045, and learning rate decay rate of 0.98 per epoch ... batch size of
96"), with TF-slim's ``train_image_classifier.py`` defaults for what the paper leaves out:
``--opt_epsilon=1.0`` and ``--label_smoothing=0.0`` (no smoothing). TF-slim's weight decay is
``weight_decay * tf.nn.l2_loss(w)`` = ``4e-5 * sum(w^2) / 2`` on conv and fully-connected weights,
not on depthwise weights (``regularize_depthwise=False`` in ``mobilenet_v1_arg_scope``) nor on
BatchNorm; here Keras ``L2(2e-5)`` (= ``2e-5 * sum(w^2)``) on the same kernels. Keras 3's RMSprop
puts epsilon inside the square root like TF1's ``RMSPropOptimizer``, so epsilon 1.0 means the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    name: str
    base_lr: float
    reference_batch: int
    description: str

    def learning_rate(self, lr: float | None, global_batch: int) -> float:
        """The rate actually used at epoch 0: linear scaling of ``lr`` (or the recipe's) with the batch."""
        return (self.base_lr if lr is None else lr) * global_batch / self.reference_batch

    def schedule(self, lr0: float, epochs: int):
        """``epoch -> learning rate`` (Keras ``LearningRateScheduler``, applied at each epoch start)."""
        if self.name == "tf-slim-mobilenet":
            return lambda epoch: lr0 * 0.98 ** epoch
        return lambda epoch: 0.5 * lr0 * (1 + math.cos(math.pi * min(epoch, epochs) / max(epochs, 1)))

    def optimizer(self, lr0: float):
        import keras

        if self.name == "tf-slim-mobilenet":
            return keras.optimizers.RMSprop(lr0, rho=0.9, momentum=0.9, epsilon=1.0)
        return keras.optimizers.Adam(lr0)

    def loss(self):
        import keras

        return keras.losses.SparseCategoricalCrossentropy()

    def regularize(self, model) -> int:
        """Add the recipe's weight decay to ``model``'s kernels; returns how many kernels got it."""
        if self.name != "tf-slim-mobilenet":
            return 0
        import keras

        n = 0
        for layer in model._flatten_layers(include_self=False):
            if type(layer).__name__ in ("Conv2D", "Dense") and getattr(layer, "kernel", None) is not None:
                if layer.kernel.regularizer is None:
                    layer.kernel.regularizer = keras.regularizers.L2(2e-5)
                    n += 1
        return n


RECIPES = {
    "qftune": Recipe("qftune", 2e-3, 128, "Adam 2e-3 at batch 128, cosine decay per epoch (the bundled models)"),
    "tf-slim-mobilenet": Recipe("tf-slim-mobilenet", 0.045, 96,
                                "RMSProp(rho 0.9, momentum 0.9, epsilon 1.0), 0.045 at batch 96 decayed 0.98 "
                                "per epoch, weight decay 4e-5, no label smoothing (MobileNetV2 paper, TF-slim)"),
}
