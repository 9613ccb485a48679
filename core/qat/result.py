"""What a fine-tuning run leaves: a float Keras model and its session.

The float model is the source model's own architecture (same layers, same names, so the plan's
tensors are its tensors) with the trained folded weights put where folding them again returns them
bit for bit: each folded conv holds its trained folded kernel (and bias, if it has one), and the
BatchNorm folded into it becomes an exact identity, mean 0, variance 1, gamma 1, epsilon 0, beta the
trained bias when the conv has none. ``core.models.bn_fold`` then computes ``s = 1/sqrt(1 + 0) = 1``
exactly and returns the kernel unchanged. Layers without BatchNorm take the trained weights as is.

The session is the source session's plan (statistics kept: they describe the model before fine-
tuning, which the session's calibration record says) with the trained ranges (``learned``; ``fixed``
leaves every entry untouched) and each kernel entry's granularity set to the one trained with, so
``qftune export M_qat.qft`` reproduces the trained model whatever its ``--weights``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def float_model(source_path: str, trained: dict, pairs: dict):
    """A fresh load of the source model holding the ``trained`` folded weights (module docstring)."""
    import keras

    model = keras.models.load_model(source_path, compile=False)
    for name, (kernel, bias) in trained.items():
        layer = model.get_layer(name)
        layer.kernel.assign(kernel)
        has_bias = getattr(layer, "use_bias", False)
        if has_bias:
            layer.bias.assign(bias if bias is not None else np.zeros(layer.bias.shape, np.float32))
        bn_name = pairs.get(name)
        if bn_name is None:
            continue
        bn = model.get_layer(bn_name)
        bn.epsilon = 0.0
        shape = bn.moving_mean.shape
        bn.moving_mean.assign(np.zeros(shape, np.float32))
        bn.moving_variance.assign(np.ones(shape, np.float32))
        if bn.gamma is not None:
            bn.gamma.assign(np.ones(shape, np.float32))
        if bn.beta is not None:
            bn.beta.assign(np.zeros(shape, np.float32) if has_bias or bias is None else bias)
    return model


def check_refolds(model, trained: dict) -> None:
    """The saved model folds back to exactly the trained weights (else the export would not be what was trained)."""
    from ..models.bn_fold import folded_weights

    params, _ = folded_weights(model)
    for name, (kernel, bias) in trained.items():
        k, b = params[name]
        if not np.array_equal(k, kernel) or (bias is not None and not np.array_equal(b, bias)):
            raise RuntimeError(f"layer {name}: the saved model does not fold back to the fine-tuned weights")


def trained_plan(session, trained_ranges: dict, groups: dict, weights: str, learned: bool):
    """A copy of ``session``'s plan with the trained ranges (one change per tied group) and the trained
    granularity on every kernel entry that had none."""
    from ..plan import Plan
    from ..plan.weight_entry import WeightState, effective_granularity

    plan = Plan.from_dict(session.plan.to_dict(), {e.name: e.stats for e in session.plan})
    if learned:
        before = plan.ranges()
        for gid, (lo, hi) in trained_ranges.items():
            first = groups[gid][0].name
            if plan.locked_reason(first):
                continue
            p = before[first]
            if (p.min, p.max) != (lo, hi):
                plan.set_range(first, lo, hi)
    states = {}
    for e in plan.weights.values():
        if e.granularity is None:
            states[e.name] = WeightState(effective_granularity(e.kind, weights), e.method, e.clip)
    if states:
        plan.make_change(f"{weights} weights (fine-tuned with them)", states)
    return plan


def write_session(session, plan, model_path: Path, session_path: Path, record: dict):
    """Save the fine-tuned session (atomically) pointing at ``model_path``."""
    from ..session import Session, model_hash

    calibration = {**session.calibration, "finetune": record}
    out = Session(plan, str(Path(model_path).resolve()), model_hash(model_path), calibration)
    out.save(session_path, expected=None if not session_path.exists() else _stamp(session_path))
    return out


def _stamp(path):
    from ..session import disk_stamp

    return disk_stamp(path)
