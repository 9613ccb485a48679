"""What the window shows about methods and models comes from core: the range methods and their
descriptions (calibrate dialog, Reset-to menu), the weight granularities, the model card's top-1."""

from __future__ import annotations

import json
import shutil

from gui_kit import wait_jobs
from PySide6.QtCore import Qt


def test_calibrate_dialog_and_reset_menu_list_the_choosers_with_their_descriptions(make_main_window, session_copy,
                                                                                  qtbot):
    from core.choosers import CHOOSERS

    app = make_main_window(str(session_copy("qf")))
    dlg = app.open_action("calibrate")
    combo = dlg.widgets["method"]
    names = [combo.itemText(i) for i in range(combo.count())]
    assert names == list(CHOOSERS)
    assert [combo.itemData(i, Qt.ToolTipRole) for i in range(combo.count())] == \
        [CHOOSERS[n].description for n in names]
    qtbot.keyClicks(combo, "mse")                  # the user picks one by typing its name
    assert dlg.values()["method"] == "mse"
    dlg.reject()
    actions = app.window.tensor_panel.reset_menu.actions()
    assert [(a.text(), a.toolTip()) for a in actions] == [(n, c.description) for n, c in CHOOSERS.items()]


def test_export_and_sensitivity_dialogs_offer_the_core_granularities(make_main_window, session_copy, qtbot):
    from core.quant.granularity import GRANULARITIES

    app = make_main_window(str(session_copy("qf")))
    for action, extra in (("export", []), ("sensitivity", ["none"])):
        dlg = app.open_action(action)
        combo = dlg.widgets["weights"]
        assert [combo.itemText(i) for i in range(combo.count())] == extra + list(GRANULARITIES)
        dlg.reject()


def test_compare_mode_header_shows_the_top1_recorded_in_a_new_style_card(make_main_window, gui_sessions, gui_models,
                                                                         session_copy, tmp_path, qtbot):
    from core.session import Session

    app = make_main_window(str(gui_sessions["qf"]))
    win = app.show_compare_mode(str(session_copy("qf")), str(gui_sessions["qf"]))
    wait_jobs(qtbot, app)
    model = tmp_path / "carded.keras"
    shutil.copy(gui_models["qf"], model)
    (tmp_path / "carded.json").write_text(json.dumps(
        {"float": {"top1": 0.93}, "int8": {"greedy": {"per_tensor": {"top1": 0.925}}}}))
    win.left.set_session(Session.load(gui_sessions["qf"], model_path=str(model)), str(gui_sessions["qf"]))
    header = win.left.header.text()
    assert "float top-1 93.00 %" in header and "int8 top-1 92.50 %" in header
