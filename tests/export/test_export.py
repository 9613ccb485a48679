"""The int8 export stores exactly the plan's scales, refuses what it cannot honour,
and its verifier catches a file changed after export."""

import numpy as np
import pytest


def _stored(path):
    from core.export.litert import load_interpreter, read_graph

    return read_graph(load_interpreter(path, preserve_all=True))


def _plan_ranges(plan):
    return plan.ranges()


@pytest.mark.parametrize("weights", ["per-channel", "per-tensor"])
def test_exported_scales_equal_the_plan(qf_model, qf_session, weights, tmp_path, exported_pc):
    from core.export import export_int8

    plan = qf_session.plan
    if weights == "per-channel":
        out, report = exported_pc
    else:
        out = tmp_path / "m.tflite"
        report = export_int8(qf_model, plan.tensors, _plan_ranges(plan), out, weights=weights)
    graph = _stored(out)
    index = report.tflite_index
    assert set(index) == set(plan.names)
    for e in plan:
        t = graph.tensors[index[e.name]]
        assert t.dtype == "int8", e.name
        assert float(t.scales[0]) == pytest.approx(e.scale, rel=1e-6), e.name
        assert int(t.zero_points[0]) == e.zero_point, e.name
    assert not [t.name for t in graph.tensors.values() if t.dtype == "float32"]
    assert "QUANTIZE" not in report.ops and "DEQUANTIZE" not in report.ops
    # weight granularity: per-channel conv kernels carry one scale per output channel
    producers = graph.producers()
    conv = next(t for t in plan.tensors if t.op == "CONV_2D" and t.name != "stem")
    kernel = graph.tensors[producers[index[conv.name]].inputs[1]]
    n_out = qf_model.get_layer(conv.name).kernel.shape[-1]
    assert len(kernel.scales) == (n_out if weights == "per-channel" else 1)
    assert report.verification["ok"] and report.path == str(out)
    assert out.with_name(out.stem + ".export.json").exists()


def test_set_range_changes_exactly_that_tensor(qf_model, qf_session, exported_pc, tmp_path):
    from core.export import export_int8
    from core.session import Session

    before_path, before_report = exported_pc
    plan = Session.load(qf_session.path).plan
    name = next(t.name for t in plan.tensors if t.op == "CONV_2D" and len(plan.group(t.name)) == 1
                and t.name != "stem" and not t.locked)
    old = plan[name].params
    plan.set_range(name, old.min, old.max * 0.5)
    out = tmp_path / "edited.tflite"
    report = export_int8(qf_model, plan.tensors, _plan_ranges(plan), out)
    a, b = _stored(before_path), _stored(out)
    ia, ib = before_report.tflite_index, report.tflite_index
    changed = [n for n in plan.names
               if (float(a.tensors[ia[n]].scales[0]), int(a.tensors[ia[n]].zero_points[0]))
               != (float(b.tensors[ib[n]].scales[0]), int(b.tensors[ib[n]].zero_points[0]))]
    assert changed == [name]
    assert float(b.tensors[ib[name]].scales[0]) == pytest.approx(plan[name].scale, rel=1e-6)


def test_verifier_catches_a_scale_changed_after_export(qf_model, qf_session, exported_pc):
    from core.export import ExportVerificationError, expected_params, verify_int8
    from core.models.bn_fold import folded_weights
    from core.quant.weight_grid import expected_weight_scales

    out, report = exported_pc
    plan = qf_session.plan
    data = bytearray(out.read_bytes())
    # pick an activation tensor whose float32 scale occurs exactly once in the file
    victim = None
    for t in report.tensors:
        pattern = np.float32(t["stored_scale"]).tobytes()
        if data.count(pattern) == 1 and t["op"] != "INPUT":
            victim, at = t, data.find(pattern)
            break
    assert victim is not None
    data[at:at + 4] = np.float32(victim["stored_scale"] * 1.5).tobytes()
    params, _ = folded_weights(qf_model)
    wscales = {t.name: expected_weight_scales(type(qf_model.get_layer(t.name)).__name__, params[t.name][0], "per-channel")
               for t in plan.tensors if t.op in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")}
    ver = verify_int8(bytes(data), plan.tensors, expected_params(plan.tensors, _plan_ranges(plan)), wscales, "per-channel")
    assert not ver.ok
    msg = str(ExportVerificationError(ver.problems))
    assert victim["name"] in msg
    assert f"{victim['stored_scale'] * 1.5:.6g}"[:6] in msg and f"{victim['scale']:.6g}"[:6] in msg
    # the untouched file passes the same check
    assert verify_int8(out.read_bytes(), plan.tensors, expected_params(plan.tensors, _plan_ranges(plan)),
                       wscales, "per-channel").ok


def test_a_range_the_converter_cannot_keep_is_refused_and_nothing_written(qf_model, qf_session, tmp_path):
    from core.export import ExportVerificationError, export_int8

    plan = qf_session.plan
    ranges = _plan_ranges(plan)
    name = next(t.name for t in plan.tensors if t.op == "DEPTHWISE_CONV_2D")
    ranges[name] = (0.0, 1e-9)   # TFLite widens ranges under 1e-6: the file would not honour the plan
    out = tmp_path / "bad.tflite"
    with pytest.raises(ExportVerificationError) as err:
        export_int8(qf_model, plan.tensors, ranges, out)
    assert name in str(err.value)
    assert not out.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize("bad", ["layernorm", "leaky", "selu"])
def test_uncoverable_layer_is_refused_by_name_before_conversion(bad, tmp_path):
    import keras

    from core.export import export_int8
    from core.quant.tensors import UnsupportedLayerError

    inp = keras.Input((8, 8, 1), name="image")
    x = keras.layers.Conv2D(4, 3, name="conv")(inp)
    if bad == "layernorm":
        x = keras.layers.LayerNormalization(name="the_norm")(x)
    elif bad == "leaky":
        x = keras.layers.LeakyReLU(name="the_leaky")(x)
    else:
        x = keras.layers.Activation("selu", name="the_selu")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    out = keras.layers.Dense(3, name="logits")(x)
    model = keras.Model(inp, out)
    with pytest.raises(UnsupportedLayerError) as err:
        export_int8(model, [], {}, tmp_path / "x.tflite")
    assert {"layernorm": "the_norm", "leaky": "the_leaky", "selu": "the_selu"}[bad] in str(err.value)
    assert not (tmp_path / "x.tflite").exists()


def test_int8_model_agrees_with_float(exported_pc, eval_small):
    from core.evaluate import evaluate

    out, report = exported_pc
    r = evaluate(out, dataset=eval_small, reference=report.float_path)
    assert r.kind == "int8 tflite" and r.n_images == len(eval_small)
    assert r.agreement >= 0.8
