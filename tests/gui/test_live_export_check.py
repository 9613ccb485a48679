"""Issue 21's honesty line: after an Export from the window the engine measures the live simulation
against the exported .tflite on the live set; the panel shows the agreement, and when it is below the
tolerance a visible warning with the figure, kept until the next Export checks again. Real exports of the
bundled 28 px QF MobileNetV2 through the Export dialog, a 100-image live set."""

from __future__ import annotations

import pytest
from gui_kit import close_errors, wait_jobs
from test_live_figures import SESSION, open_with_live_set

from core.simulate.check import TOLERANCE

pytestmark = pytest.mark.slow


def export_from_window(app, qtbot, out) -> None:
    dlg = app.open_action("export")
    dlg.set_value("out", str(out))
    dlg.set_value("float_out", str(out.with_name(out.stem + "_float.tflite")))   # not beside the session
    dlg.set_value("weights", "per-channel")
    dlg.accept()
    wait_jobs(qtbot, app, timeout=180_000)


def _shown(panel, live, name: str):
    """The check of export ``name`` is done and the panel shows it (the panel refreshes one event-loop turn
    after the check job ends: until then it still says "checking the new export…")."""
    return lambda: (live.export_check is not None and live.export_check["path"].endswith(name)
                    and not live.checking and "checking" not in panel.check.text())


def test_an_export_is_checked_against_the_simulation_and_a_shortfall_warns_until_the_next_export(
        make_main_window, qtbot, tmp_path):
    app, panel = open_with_live_set(make_main_window, qtbot, SESSION, n_images=100)
    live = panel.live
    assert live.export_check is None and not panel.check.isVisibleTo(panel)     # nothing said before an export

    export_from_window(app, qtbot, tmp_path / "a_int8.tflite")
    qtbot.waitUntil(_shown(panel, live, "a_int8.tflite"), timeout=120_000)
    first = live.export_check
    assert first["path"] == str(tmp_path / "a_int8.tflite") and first["n_images"] == 100
    assert first["agreement"] >= TOLERANCE and first["ok"]
    assert panel.check.isVisibleTo(panel) and "⚠" not in panel.check.text()
    assert panel.check.text() == f"the simulation agrees with a_int8.tflite on {100 * first['agreement']:.1f} % of 100 images"

    live.tolerance = 1.01        # a tolerance no agreement reaches: the same path must now warn, with the figure
    export_from_window(app, qtbot, tmp_path / "b_int8.tflite")
    qtbot.waitUntil(_shown(panel, live, "b_int8.tflite"), timeout=120_000)
    second = live.export_check
    assert not second["ok"] and second["agreement"] == first["agreement"]      # same plan, same live set
    text = panel.check.text()
    assert text.startswith("⚠ the simulation agrees with the exported b_int8.tflite on only")
    assert f"{100 * second['agreement']:.1f} % of 100 images (tolerance 101.0 %)" in text
    assert "the next Export re-checks" in text and "#b00" in panel.check.styleSheet()

    shown = panel.shown              # the warning stays while the live figures go on
    assert shown is not None and panel.check.text() == text

    live.tolerance = None            # the next export checks again and the warning goes
    export_from_window(app, qtbot, tmp_path / "c_int8.tflite")
    qtbot.waitUntil(_shown(panel, live, "c_int8.tflite"), timeout=120_000)
    assert live.export_check["ok"] and "⚠" not in panel.check.text()
    assert not app.errors, close_errors(app)
