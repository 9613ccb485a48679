"""Data-free quantization fixes (Nagel et al. 2019, arXiv 1906.04721) beside the QF architecture.

* :mod:`.pairs` — the layer pairs W1 -> f -> W2 that can be rescaled through f;
* :mod:`.cle` — cross-layer equalization of those pairs, iterated to convergence;
* :mod:`.absorption` — bias absorption into the next layer's bias;
* :mod:`.preact` — per-channel pre-activation statistics (from BatchNorm) and their expectation through ReLU;
* :mod:`.rebuild` — the equalized Keras model (BN folded, ReLU6 -> ReLU where equalized);
* :mod:`.report` — per-channel weight range spread before/after;
* :mod:`.equalize` — the whole ``qftune equalize`` step;
* :mod:`.bias_correction` — bias correction of the quantized kernels at export.
"""

from .equalize import EqualizeResult, equalize_model, max_relative_difference

__all__ = ["EqualizeResult", "equalize_model", "max_relative_difference"]
