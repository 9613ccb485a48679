"""The model zoo: every architecture builds and runs; the QF switches change exactly their layers."""

import numpy as np
import pytest

from core.models import QFConfig, build
from core.models.qf_config import parse_changes


def _layers_by_type(model):
    out = {}
    for layer in model.layers:
        out.setdefault(type(layer).__name__, []).append(layer)
    return out


@pytest.mark.parametrize("arch", ["mobilenet-v1", "mobilenet-v2"])
@pytest.mark.parametrize("qf", [QFConfig(), QFConfig.full()], ids=["orig", "qf"])
def test_builds_and_runs_forward(arch, qf):
    model = build(arch, width=0.25, qf=qf, classes=7, input_size=28, input_channels=1)
    x = np.random.default_rng(0).random((2, 28, 28, 1), dtype=np.float32)
    y = model(x, training=False).numpy()
    assert y.shape == (2, 7)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)  # softmax head


@pytest.mark.parametrize("arch,size,final", [("mobilenet-v2", 28, 4), ("mobilenet-v2", 64, 2),
                                              ("mobilenet-v1", 32, 4), ("mobilenet-v1", 64, 2)])
def test_stride_plan_small_vs_large_inputs(arch, size, final):
    model = build(arch, width=0.25, input_size=size, input_channels=3)
    pool = model.get_layer("global_pool")
    assert tuple(pool.input.shape[1:3]) == (final, final)


def test_width_and_classes_are_parameters():
    small = build("mobilenet-v2", width=0.35, classes=10)
    big = build("mobilenet-v2", width=1.0, classes=100)
    assert small.count_params() < big.count_params()
    assert big.output_shape == (None, 100)


def _dw_followers(model):
    """For each depthwise conv: the class name of the layer right after it."""
    out = {}
    for layer in model.layers:
        if type(layer).__name__ == "DepthwiseConv2D":
            out[layer.name] = type(layer._outbound_nodes[0].operation).__name__
    return out


@pytest.mark.parametrize("arch", ["mobilenet-v1", "mobilenet-v2"])
def test_change1_removes_bn_and_relu_between_depthwise_and_pointwise(arch):
    orig = build(arch, width=0.25)
    qf1 = build(arch, width=0.25, qf=QFConfig.from_changes([1]))
    assert set(_dw_followers(orig).values()) == {"BatchNormalization"}
    assert set(_dw_followers(qf1).values()) == {"Conv2D"}
    n_dw = len(_dw_followers(orig))
    bn_o, bn_q = len(_layers_by_type(orig)["BatchNormalization"]), len(_layers_by_type(qf1)["BatchNormalization"])
    assert bn_o - bn_q == n_dw  # exactly one BN per depthwise removed, nothing else
    relu_o, relu_q = len(_layers_by_type(orig)["ReLU"]), len(_layers_by_type(qf1)["ReLU"])
    assert relu_o - relu_q == n_dw
    # ReLU6 is kept everywhere else (change 2 not applied)
    assert all(layer.get_config()["max_value"] == 6.0 for layer in _layers_by_type(qf1)["ReLU"])


@pytest.mark.parametrize("arch", ["mobilenet-v1", "mobilenet-v2"])
def test_change2_swaps_relu6_for_relu_after_pointwise_only(arch):
    orig = build(arch, width=0.25)
    qf2 = build(arch, width=0.25, qf=QFConfig.from_changes([2]))

    def relus(m, max_value):
        return {layer.name for layer in _layers_by_type(m)["ReLU"] if layer.get_config()["max_value"] == max_value}

    def relu6(m):
        return relus(m, 6.0)

    def plain(m):
        return relus(m, None)

    assert not plain(orig)
    # the depthwise activations stay ReLU6 (only change 1 removes them); all others become ReLU
    assert relu6(qf2) == {n for n in relu6(orig) if "_dw_" in n}
    assert plain(qf2) == {n for n in relu6(orig) if "_dw_" not in n}
    assert [layer.name for layer in orig.layers] == [layer.name for layer in qf2.layers]


def test_change3_adds_l2_on_depthwise_weights_only():
    orig = build("mobilenet-v2", width=0.25)
    qf3 = build("mobilenet-v2", width=0.25, qf=QFConfig.from_changes([3], l2=1e-4))
    for layer in qf3.layers:
        cls = type(layer).__name__
        if cls == "DepthwiseConv2D":
            assert layer.depthwise_regularizer is not None
            assert layer.depthwise_regularizer.get_config()["l2"] == pytest.approx(1e-4)
        elif cls in ("Conv2D", "Dense"):
            assert layer.kernel_regularizer is None
    assert not any(getattr(layer, "depthwise_regularizer", None) for layer in orig.layers)
    assert len(qf3.losses) == sum(type(layer).__name__ == "DepthwiseConv2D" for layer in qf3.layers)


def test_qf_change_parsing_and_errors():
    assert parse_changes("1, 3") == (1, 3)
    assert QFConfig.from_changes([1, 2, 3]).changes == (1, 2, 3)
    with pytest.raises(ValueError, match="unknown QF change"):
        QFConfig.from_changes([4])
    with pytest.raises(ValueError, match="--qf-changes"):
        parse_changes("one")
    with pytest.raises(ValueError, match="unknown architecture 'resnet'"):
        build("resnet")
