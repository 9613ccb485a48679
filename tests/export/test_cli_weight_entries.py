"""Kernel entries through the command line: set-range / reset-range on LAYER/kernel reach the export,
an asymmetric clip is made symmetric with a notice, bad input is named and loses nothing, old
sessions load unchanged, and every edit undoes."""

import json

import numpy as np

from cli_kit import clean_error, run


def _rows(session_path):
    """Every kernel row of ``ranges --weights --json`` (one CLI call: each loads the model)."""
    out = run("ranges", session_path, "--weights", "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _kernels(kind, session_path, rows=None):
    return [r for r in (rows if rows is not None else _rows(session_path)) if r["kind"] == kind]


def _scales(tflite, report_json, layer):
    from core.export.litert import load_interpreter, read_graph

    graph = read_graph(load_interpreter(str(tflite), preserve_all=True))
    index = {t["name"]: t["tflite_index"] for t in report_json["tensors"]}
    op = graph.producers()[index[layer]]
    return np.asarray(graph.tensors[op.inputs[1]].scales, np.float32)


def test_set_range_on_a_kernel_reaches_the_export(session_file, tmp_path):
    rows = _rows(session_file)
    dw = _kernels("DepthwiseConv2D", session_file, rows)[1]
    conv, other = _kernels("Conv2D", session_file, rows)[2:4]
    clip = round(0.5 * dw["max_abs"], 4)
    out = run("set-range", session_file, dw["name"], "-M", clip)
    assert out.returncode == 0, out.stderr
    assert f"{dw['name']}: per-tensor clip ±{clip:g} (user)" in out.stdout and "channels erased" in out.stdout
    out = run("set-range", session_file, conv["name"], "--granularity", "per-channel", "-M", 0.01, "--channel", 1)
    assert out.returncode == 0, out.stderr

    tfl = tmp_path / "m.tflite"
    out = run("export", session_file, "--out", tfl, "--weights", "per-tensor", "--json")   # the entries win
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["verification"]["ok"]
    f32 = np.float32
    assert _scales(tfl, report, dw["layer"]).tolist() == [f32(2) * f32(clip) / f32(254)]
    scales = _scales(tfl, report, conv["layer"])
    assert len(scales) == conv["channels"] and scales[1] == f32(2) * f32(0.01) / f32(254)
    assert len(_scales(tfl, report, other["layer"])) == 1            # untouched: export's --weights per-tensor


def test_asymmetric_kernel_range_is_made_symmetric_with_a_notice(session_file):
    name = _kernels("DepthwiseConv2D", session_file)[0]["name"]
    out = run("set-range", session_file, name, "-1", "2")
    assert out.returncode == 0, out.stderr
    assert "note:" in out.stdout and "[-1, 2] made [-2, 2]" in out.stdout
    row = next(r for r in _kernels("DepthwiseConv2D", session_file) if r["name"] == name)
    assert row["clip"] == [2.0] and row["granularity"] == "per-tensor" and row["method"] == "user"


def test_bad_kernel_edits_are_named_and_lose_nothing(session_file):
    before = session_file.read_bytes()
    clean_error(run("set-range", session_file, "nosuchlayer/kernel", "-M", "1"), "nosuchlayer", "kernels:")
    rows = _rows(session_file)
    name = _kernels("DepthwiseConv2D", session_file, rows)[0]["name"]
    clean_error(run("set-range", session_file, name, "-M", "nan"), name, "nan")
    clean_error(run("set-range", session_file, name, "-M", "0"), name, "clip 0")
    clean_error(run("set-range", session_file, name, "-M", "1", "--channel", "0"), name, "per-channel entry")
    dense = _kernels("Dense", session_file, rows)[0]["name"]
    clean_error(run("set-range", session_file, dense, "--granularity", "per-channel"), dense, "per tensor")
    clean_error(run("set-range", session_file, "image", "-M", "1"), "image", "LAYER/kernel")
    assert session_file.read_bytes() == before


def test_reset_range_and_the_chooser_on_kernels(session_file):
    name = _kernels("DepthwiseConv2D", session_file)[0]["name"]
    assert run("set-range", session_file, name, "-M", "0.1").returncode == 0
    out = run("reset-range", session_file, name)
    assert out.returncode == 0, out.stderr
    row = next(r for r in _kernels("DepthwiseConv2D", session_file) if r["name"] == name)
    assert (row["clip"], row["method"], row["granularity_set"]) == (None, "minmax", False)
    out = run("reset-range", session_file, "*/kernel", "--method", "output-mse", "--granularity", "per-tensor")
    assert out.returncode == 0, out.stderr
    rows = json.loads(run("ranges", session_file, "--weights", "--json").stdout)
    assert {(r["method"], r["granularity"]) for r in rows} == {("output-mse", "per-tensor")}
    assert all(0 < r["clip"][0] <= r["max_abs"] * (1 + 1e-6) for r in rows)


def test_an_old_session_loads_unchanged():
    """The bundled sessions predate kernel entries: every kernel at its default, the plan as saved."""
    import zipfile

    from core.resources import RESOURCES
    from core.session import Session

    path = RESOURCES / "sessions" / "mobilenet_v1_orig_fmnist.qft"
    with zipfile.ZipFile(path) as z:
        saved = json.loads(z.read("session.json"))["plan"]
    assert "weights" not in saved
    plan = Session.load(path).plan
    assert len(plan.weights) == 28 and all(e.state.is_default for e in plan.weights.values())
    again = plan.to_dict()
    assert again.pop("weights") == [] and again == saved


def test_kernel_edits_undo_and_redo(qf_session, qf_model):
    from core.plan import Plan
    from core.weights import kernel_stats

    plan = Plan.from_dict(qf_session.plan.to_dict(), {e.name: e.stats for e in qf_session.plan})
    plan.attach_kernels(kernel_stats(qf_model))
    original = plan.to_dict()
    heard = []
    plan.subscribe(heard.append)
    name = plan.weight_names[1]
    changes = [plan.set_weight_range(name, 0.05), plan.set_weight_granularity(name, "per-channel"),
               plan.set_weight_range(name, 0.02, channel=0), plan.choose_weights("output-mse", "per-tensor")]
    assert [c.names[:1] for c in changes[:3]] == [[name]] * 3 and heard[0] == [name]
    edited = plan.to_dict()
    for c in reversed(changes):
        c.revert()
    assert plan.to_dict() == original
    for c in changes:
        c.apply()
    assert plan.to_dict() == edited
