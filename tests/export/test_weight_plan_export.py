"""Kernel entries of the plan (LAYER/kernel) reach the .tflite exactly: a planned clip is the stored
weight scale, bit for bit, per tensor and per channel; entries at minmax export today's file."""

import numpy as np
import pytest


@pytest.fixture
def plan_with_kernels(qf_session, qf_model):
    """A private copy of the tiny QF session's plan, with the model's folded kernels attached."""
    from core.plan import Plan
    from core.weights import kernel_stats

    plan = Plan.from_dict(qf_session.plan.to_dict(), {e.name: e.stats for e in qf_session.plan})
    plan.attach_kernels(kernel_stats(qf_model))
    return plan


def _kernel(data: bytes, tflite_index: int):
    """(scales, int8 values) of the kernel of the op producing tensor ``tflite_index``, read with LiteRT."""
    from core.export.litert import load_interpreter, read_graph

    interp = load_interpreter(data, preserve_all=True)
    graph = read_graph(interp)
    op = graph.producers()[tflite_index]
    ker = graph.tensors[op.inputs[1]]
    return np.asarray(ker.scales, np.float32), np.asarray(interp.get_tensor(ker.index))


def _layers(plan, kind):
    return [e for e in plan.weights.values() if e.kind == kind]


def test_planned_clips_are_the_stored_weight_scales(plan_with_kernels, qf_model, tmp_path):
    from core.export import export_int8

    plan = plan_with_kernels
    dw, conv, other = _layers(plan, "DepthwiseConv2D")[1], _layers(plan, "Conv2D")[2], _layers(plan, "Conv2D")[3]
    dw_max = float(plan.kernel_stats[dw.layer].abs_max("per-tensor")[0])
    plan.set_weight_range(dw.name, -0.4 * dw_max, 0.4 * dw_max)               # one per-tensor clip
    conv_max = plan.kernel_stats[conv.layer].abs_max("per-channel")
    plan.set_weight_granularity(conv.name, "per-channel")
    plan.set_weight_range(conv.name, 0.3 * float(conv_max[0]), channel=0)      # clip channel 0 only

    out = tmp_path / "m.tflite"
    report = export_int8(qf_model, plan.tensors, plan.ranges(), out, weights="per-channel", weight_plan=plan)
    data, index = out.read_bytes(), report.tflite_index

    scales, q = _kernel(data, index[dw.layer])
    assert scales.tolist() == [np.float32(2 * np.float32(0.4 * dw_max) / np.float32(254))]
    assert np.abs(q).max() == 127 and np.sum(np.abs(q) == 127) > 2      # the widest weights saturate at the clip

    scales, q = _kernel(data, index[conv.layer])
    want = (np.float32(2) * conv_max / np.float32(254)).astype(np.float32)
    want[0] = np.float32(2) * np.float32(0.3 * float(conv_max[0])) / np.float32(254)
    assert len(scales) == len(conv_max) and np.array_equal(scales, want)

    scales, _ = _kernel(data, index[other.layer])                          # untouched: export's --weights
    assert len(scales) == len(plan.kernel_stats[other.layer].abs_max("per-channel"))
    assert report.verification["ok"] and report.verification["n_weights_checked"] >= len(plan.weights)


def test_minmax_entries_export_the_same_file_as_no_entries(plan_with_kernels, qf_model):
    from core.export.export import convert_int8

    plan = plan_with_kernels
    plan.choose_weights("minmax", "per-tensor")              # every kernel per tensor at max|w| ...
    for e in list(plan.weights.values())[::2]:               # ... half of them as an explicit clip of max|w|
        plan.set_weight_range(e.name, float(plan.kernel_stats[e.layer].abs_max("per-tensor")[0]))
    assert {e.granularity for e in plan.weights.values()} == {"per-tensor"}
    assert sum(e.clip is not None for e in plan.weights.values()) == (len(plan.weights) + 1) // 2
    planned, ver, _ = convert_int8(qf_model, plan.tensors, plan.ranges(), "per-channel", weight_plan=plan)
    today, _, _ = convert_int8(qf_model, plan.tensors, plan.ranges(), "per-tensor")
    assert ver.ok and planned == today


def test_the_verifier_names_a_weight_scale_the_plan_does_not_have(plan_with_kernels, qf_model):
    from core.export.export import convert_int8, expected_params
    from core.export.verify import verify_int8
    from core.models.bn_fold import folded_weights
    from core.plan.weight_entry import weight_quant_params

    plan = plan_with_kernels
    dw = _layers(plan, "DepthwiseConv2D")[0]
    plan.set_weight_range(dw.name, 0.5 * float(plan.kernel_stats[dw.layer].abs_max("per-tensor")[0]))
    data, ver, _ = convert_int8(qf_model, plan.tensors, plan.ranges(), "per-tensor", weight_plan=plan)
    assert ver.ok
    folded = folded_weights(qf_model)[0]
    unplanned = {t.name: weight_quant_params(None, t.name, plan.weights[t.name].kind, folded[t.name][0],
                                             "per-tensor")[2]
                 for t in plan.tensors if t.name in plan.weights}
    ver = verify_int8(data, plan.tensors, expected_params(plan.tensors, plan.ranges()), unplanned, "per-tensor")
    assert len(ver.problems) == 1 and f"weights of {dw.layer}" in ver.problems[0]
