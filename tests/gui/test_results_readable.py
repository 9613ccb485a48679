"""Issue 11, items 5-7: honest latency (one runtime per comparison, labelled), readable
SQNR/sensitivity charts, row colours that match the numbers shown — on real jobs."""

from __future__ import annotations

import copy

import pytest
from gui_helpers import click_menu, click_run
from gui_kit import close_errors, wait_jobs
from PySide6.QtCore import QPoint, Qt

from core.compare import sqnr_of


def _evaluate(qtbot, app, model, reference):
    click_menu(qtbot, app.window, "&Jobs", "E&valuate…")
    dlg = app.dialog
    for key, value in (("model", str(model)), ("reference", str(reference) if reference else "")):
        edit = dlg.widgets[key].edit
        edit.clear()
        qtbot.keyClicks(edit, value)
    dlg.widgets["limit"].setValue(20)
    click_run(qtbot, dlg)
    wait_jobs(qtbot, app)
    assert not app.errors, close_errors(app)


@pytest.mark.timeout(300)
def test_float_and_int8_latency_come_from_one_runtime_and_say_which(make_main_window, session_copy, qf_tflite,
                                                                      qf_float_twin, qtbot):
    int8, flt = qf_tflite, qf_float_twin                               # what Export writes: int8 + float twin
    app = make_main_window(str(session_copy("qf")))
    app.last_export, app.last_float_export = str(int8), str(flt)        # as after an Export
    click_menu(qtbot, app.window, "&Jobs", "E&valuate…")
    assert app.dialog.values()["reference"] == str(flt)                 # the float twin by default
    app.dialog.reject()

    _evaluate(qtbot, app, int8, flt)
    table = app.window.results.accuracy
    for row in (0, 1):
        assert table.item(row, 4).text() == "LiteRT · XNNPACK · 1 thread"
        assert table.item(row, 2).text().endswith(" ms")
    assert "both LiteRT · XNNPACK · 1 thread" in app.window.results.summary.text()

    _evaluate(qtbot, app, int8, None)                                   # the Keras model as reference
    assert table.item(0, 4).text() == "Keras (eager)"
    assert table.item(0, 2).text() == "n/a" and "not comparable" in table.item(0, 2).toolTip()
    assert table.item(1, 2).text().endswith(" ms") and "latency" not in app.window.results.summary.text()


def _compare(qtbot, app, tflite):
    click_menu(qtbot, app.window, "&Jobs", "C&ompare…")
    dlg = app.dialog
    dlg.set_value("tflite", str(tflite))
    dlg.set_value("images", 2)
    click_run(qtbot, dlg)
    wait_jobs(qtbot, app)
    assert not app.errors, close_errors(app)


@pytest.mark.timeout(300)
def test_charts_label_sparsely_tooltip_every_bar_clip_outliers_and_clear_on_switch(make_main_window, session_copy,
                                                                                  gui_sessions, qf_tflite, qtbot):
    app = make_main_window(str(session_copy("qf")))
    app.window.resize(1280, 800)
    _compare(qtbot, app, qf_tflite)
    bars = app.window.results.sqnr
    n = len(bars.names)
    assert n > 40 and 0 < bars.label_count() <= max(1, bars.width() // 60)         # no overlapping labels
    app.window.activateWindow()
    for name in (bars.names[3], bars.names[n // 2]):
        qtbot.mouseMove(bars.viewport(), QPoint(2, 2))
        qtbot.mouseMove(bars.viewport(), bars.bar_center(name))
        qtbot.waitUntil(lambda name=name: bars.toolTip().startswith(f"{name}: "), timeout=2000)
        assert "dB" in bars.toolTip()
    caption = app.window.results.sqnr_caption
    assert caption.full_text().startswith("Lowest SQNR") and "2 images" in caption.full_text()

    # an outlier (the input's ~145 dB) is cut at the top of a robust axis, its value written above it
    doc = copy.deepcopy(app.state.results["compare"])                  # as qftune compare --json prints it
    next(r for r in doc["tensors"] if r["name"] == bars.names[0])["sqnr_db"] = 145.0
    app.state.set_result("compare", doc)
    assert bars.clipped == [0] and bars.cap < 145.0
    assert bars.getPlotItem().getViewBox().viewRange()[1][1] < 100
    assert "off scale" in caption.full_text() and "145 dB" in caption.full_text()

    # sensitivity: the image count and the binomial noise band
    click_menu(qtbot, app.window, "&Jobs", "&Sensitivity…")
    app.dialog.set_value("limit", 20)
    click_run(qtbot, app.dialog)
    wait_jobs(qtbot, app)
    assert not app.errors, close_errors(app)
    sens = app.window.results.sensitivity_caption.full_text()
    assert sens.startswith("20 images (1 image = 5.00 points)") and "binomial" in sens
    band = app.window.results.noise_band
    lo, hi = band.getRegion()
    assert band.isVisible() and lo == -hi and hi > 5.0                  # 20 images: a wide band

    app.open(str(gui_sessions["tied"]))                                 # another session: no stale results
    wait_jobs(qtbot, app)
    results = app.window.results
    assert results.sqnr.names == [] and results.sensitivity.names == []
    assert results.sqnr_caption.full_text() == "" and results.sensitivity_caption.full_text() == ""
    assert "Lowest" not in results.summary.text() and not band.isVisible()


@pytest.mark.timeout(300)
def test_row_colours_follow_the_shown_sqnr_with_a_legend(make_main_window, session_copy, qf_tflite, qtbot):
    from gui.layer_table import COL, sqnr_colour

    app = make_main_window(str(session_copy("qf")))
    table = app.window.table
    assert table.view.isColumnHidden(COL["measured"])                  # nothing measured yet
    assert "SQNR colours" in table.legend.text() and table.legend.isVisible()
    _compare(qtbot, app, qf_tflite)
    assert not table.view.isColumnHidden(COL["measured"])
    model, plan = table.model, app.state.plan
    measured = sqnr_of(app.state.results["compare"])
    differ = [n for n in measured if n in plan.entries and
              sqnr_colour(measured[n]).name() != sqnr_colour(plan[n].estimate().sqnr_db).name()]
    assert differ, "no tensor whose measured and estimated SQNR fall in different colour bands"
    for name in differ[:5]:
        r = model.row_of(name)
        est = plan[name].estimate().sqnr_db
        for col in ("name", "sqnr", "min"):
            assert model.index(r, COL[col]).data(Qt.BackgroundRole).color() == sqnr_colour(est)
        assert model.index(r, COL["measured"]).data(Qt.BackgroundRole).color() == sqnr_colour(measured[name])


@pytest.mark.timeout(300)
def test_evaluate_without_an_int8_file_scores_the_current_plan_simulated_as_the_cli_does(make_main_window,
                                                                                         session_copy, qtbot):
    """Jobs > Evaluate… with the int8 model left empty scores the window's current plan, unsaved edits included,
    through the simulated int8 model: the figures ``qftune evaluate S.qft --json`` prints for the same plan."""
    import json

    from cli_kit import run

    path = session_copy("qf")
    app = make_main_window(str(path))
    plan = app.state.plan
    name = next(n for n in plan.names[1:] if not plan[n].locked and plan[n].max > 0)
    app.state.select(name)
    app.window.tensor_panel.commit(plan[name].min, 0.05 * plan[name].max)       # an edit, not saved
    assert app.state.dirty
    click_menu(qtbot, app.window, "&Jobs", "E&valuate…")
    dlg = app.dialog
    assert dlg.values()["model"] is None                        # nothing exported: the current plan
    assert dlg.widgets["model"].edit.placeholderText() == "empty: the current plan, simulated (nothing exported)"
    dlg.widgets["limit"].setValue(40)
    click_run(qtbot, dlg)
    wait_jobs(qtbot, app)
    assert not app.errors, close_errors(app)
    shown = app.state.results["evaluate"]["int8"]
    assert shown["simulated"] and shown["model"] == "qf.qft: the current plan (simulated)"
    table = app.window.results.accuracy
    assert table.item(1, 4).text() == "simulated int8" and table.item(1, 2).text() == "–"
    assert "nothing exported" in app.window.results.summary.text()

    edited = path.with_name("edited.qft")                        # the CLI on the same plan, saved
    app.state.session.save(edited)
    r = run("evaluate", edited, "--data", "embedded:eval", "--limit", "40", "--json")
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)
    assert cli["simulated"] and (cli["top1"], cli["top5"], cli["n_images"]) == \
        (shown["top1"], shown["top5"], shown["n_images"])
    untouched = json.loads(run("evaluate", path, "--data", "embedded:eval", "--limit", "40", "--json").stdout)
    assert untouched["top1"] != shown["top1"] or untouched["top5"] != shown["top5"]   # the edit was scored
