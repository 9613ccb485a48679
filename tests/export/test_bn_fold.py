"""BatchNorm folding keeps the inference function (within 1e-4) on real images."""

import numpy as np
import pytest


def _randomize_bn(model, seed=0):
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            g, b, mu, v = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, g.shape), rng.normal(0, 0.1, b.shape),
                               rng.normal(0, 0.1, mu.shape), rng.uniform(0.5, 2.0, v.shape)])


@pytest.mark.parametrize("arch,qf", [("mobilenet-v1", False), ("mobilenet-v1", True),
                                     ("mobilenet-v2", False), ("mobilenet-v2", True)])
def test_folded_model_matches_original(arch, qf, logits_of):
    from core.data import load_dataset, to_model_input
    from core.models import QFConfig, build
    from core.models.bn_fold import fold_batchnorm

    m = build(arch, width=0.25 if arch == "mobilenet-v1" else 0.35, qf=QFConfig.full() if qf else QFConfig())
    _randomize_bn(m)
    folded = fold_batchnorm(m)
    assert not [layer.name for layer in folded.layers if type(layer).__name__ == "BatchNormalization"]
    x = to_model_input(load_dataset("embedded:eval").limit(32).images, m.input_shape)
    a, b = logits_of(m, x), logits_of(folded, x)
    assert np.max(np.abs(a - b)) <= 1e-4 * max(1.0, float(np.max(np.abs(a))))
    assert np.max(np.abs(a)) > 1e-3   # a non-trivial comparison
    # the export's graph walker (folded weights, BN as identity) computes the same function
    from core.export.graph import forward_fn

    probs = np.asarray(forward_fn(m, {}, None)(x))
    assert np.max(np.abs(probs - np.asarray(m(x, training=False)))) <= 1e-4


def test_layer_map_points_bn_to_its_conv(tiny_qf_v2):
    from core.models.bn_fold import folded_layer_map

    lm = folded_layer_map(tiny_qf_v2)
    assert lm["stem_bn"] == "stem"
    assert lm["block1_project_bn"] == "block1_project"
    assert lm["block2_add"] == "block2_add"
