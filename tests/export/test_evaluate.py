"""evaluate's numbers equal a direct computation on the same images."""

import json

import numpy as np


def _direct_int8_scores(path, ds):
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=str(path))
    interp.allocate_tensors()
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    assert inp["quantization"][1] == -128 and abs(inp["quantization"][0] - 1 / 255) < 1e-9
    scores = []
    for im in ds.images:
        q = (im.astype(np.int16) - 128).astype(np.int8)[None]   # pixel/255 at scale 1/255, zp -128
        interp.set_tensor(inp["index"], q)
        interp.invoke()
        scores.append(interp.get_tensor(out["index"])[0].astype(np.float32))
    return np.stack(scores)


def test_int8_accuracy_equals_direct_computation(exported_pc, eval_small):
    from core.evaluate import evaluate

    path, _ = exported_pc
    r = evaluate(path, dataset=eval_small)
    scores = _direct_int8_scores(path, eval_small)
    assert r.n_images == len(eval_small)
    assert r.top1 == np.mean(np.argmax(scores, 1) == eval_small.labels)
    top5 = np.argsort(-scores, axis=1, kind="stable")[:, :5]
    assert r.top5 == np.mean(np.any(top5 == eval_small.labels[:, None], axis=1))
    for c, name in enumerate(eval_small.class_names):
        m = eval_small.labels == c
        if m.any():
            assert r.per_class[name] == np.mean(np.argmax(scores[m], 1) == c)
    assert 0 < r.latency_ms_median <= r.latency_ms_p90


def test_keras_accuracy_and_agreement(qf_model, exported_pc, eval_small):
    from core.data import to_model_input
    from core.evaluate import evaluate

    path, report = exported_pc
    r = evaluate(qf_model, dataset=eval_small.limit(32))
    pred = np.argmax(qf_model.predict(to_model_input(eval_small.limit(32).images, qf_model.input_shape), verbose=0), 1)
    assert r.kind == "keras" and r.top1 == np.mean(pred == eval_small.limit(32).labels)
    same = evaluate(report.float_path, dataset=eval_small.limit(32), reference=report.float_path)
    assert same.agreement == 1.0 and same.kind == "float tflite"


def test_cli_json_keys(exported_pc, capsys):
    from core.cli import main

    path, _ = exported_pc
    assert main(["evaluate", str(path), "--limit", "20", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    for key in ("top1", "top5", "n_images", "latency_ms_median", "latency_ms_p90"):
        assert key in d
    assert d["n_images"] == 20


def test_missing_model_is_named(tmp_path, capsys):
    from core.cli import main

    assert main(["evaluate", str(tmp_path / "nope.tflite"), "--limit", "5"]) == 2
    assert "nope.tflite" in capsys.readouterr().err
