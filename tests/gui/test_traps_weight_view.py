"""Issue 22 §2 trap 10: the weight view's key finding is shown whole at the default size; a tensor
without a kernel leaves no axes of the previous layer behind, and its message has the space to itself
(no overlap with an axis label at 1024x700)."""

from __future__ import annotations

from gui_helpers import click_row


def _caption_whole(view) -> bool:
    c = view.caption
    return c.isVisible() and c.wordWrap() and c.heightForWidth(c.width()) <= c.height() and \
        c.text() == c.full_text() and "…" not in c.text()


def test_finding_whole_and_no_stale_axes_for_a_tensor_without_kernel(make_main_window, gui_sessions, qtbot):
    from core.quant.tensors import WEIGHTED_OPS

    app = make_main_window(str(gui_sessions["qf"]))
    qtbot.waitUntil(lambda: not app.weights.busy, timeout=120_000)
    view, plan = app.window.weight_view, app.state.plan
    conv = next(t.name for t in plan.tensors if t.op in WEIGHTED_OPS and not plan[t.name].locked)
    plain = next(t.name for t in plan.tensors if t.op not in WEIGHTED_OPS | {"INPUT"} and not plan[t.name].locked)

    click_row(qtbot, app, conv)                                       # default window size (1500x920)
    qtbot.waitUntil(lambda: view.drawn_channels() != [], timeout=60_000)
    qtbot.waitUntil(lambda: _caption_whole(view), timeout=3000)
    assert "erased by per-tensor int8 weights" in view.caption.full_text()

    app.window.resize(1024, 700)
    app.window.fit_layout()
    click_row(qtbot, app, plain)
    qtbot.waitUntil(lambda: view.message.isVisible(), timeout=3000)
    assert "has no kernel" in view.message.text()
    assert not view.plot.isVisible()                                  # no axes left from the conv layer
    assert not view.caption.isVisible()
    assert view.message.height() >= view.message.heightForWidth(view.message.width())   # the message whole

    click_row(qtbot, app, conv)                                       # back to a kernel: the plot again
    qtbot.waitUntil(lambda: view.plot.isVisible() and view.drawn_channels() != [], timeout=60_000)
    assert not view.message.isVisible()
