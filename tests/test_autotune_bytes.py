"""A plan's size change is printed with its own sign (issue 25's known flaw: an int16 move whose export is
smaller than the start's printed "+-312 bytes"). The CLI's text, report.html and the GUI's Pareto tooltip
all format it with core.autotune.report.signed_bytes; here the CLI's text and the report of a run whose best
plan is smaller than its start (a document as autotune writes it, trimmed to what they read)."""

from __future__ import annotations

import pytest

from core.autotune.report import signed_bytes, to_html
from core.cli.commands.autotune import format_result


@pytest.mark.parametrize("n, text", [(-312, "-312 bytes"), (1024, "+1,024 bytes"), (0, "+0 bytes"),
                                     (-1_234_567, "-1,234,567 bytes")])
def test_signed_bytes(n, text):
    assert signed_bytes(n) == text


def _doc(extra_bytes: int) -> dict:
    change = {"layer": "block1_project", "move": "int16", "label": "int16 activations (16x8)"}
    point = {"index": 1, "top1": 0.9, "drop_pp": 0.4, "extra_bytes": extra_bytes, "changes": [change]}
    start = {"index": 0, "top1": 0.88, "drop_pp": 2.4, "extra_bytes": 0, "bytes": 52_000, "changes": []}
    return {"verdict": "target not reached (0.3 pp): the best plan found drops 0.40 pp held out at "
                       f"{signed_bytes(extra_bytes)}",
            "heldout": {"n_images": 400, "data": "fashion-mnist:test", "excluded": 0, "float_top1": 0.904},
            "noise_band_pp": 1.5, "start": {"drop_pp": 2.4},
            "best": {"drop_pp": 0.4, "extra_bytes": extra_bytes, "changes": [change]},
            "evals": 12, "search_seconds": 3.2, "stopped": "every candidate scored", "confirmed": None,
            "options": {"weights": "per-tensor", "cost": "size", "max_drop_pp": 0.3, "threads": 1},
            "pareto": [start, point], "points": [start, point], "session": "s.qft", "out": "t.qft",
            "seconds": 9.0}


def test_cli_text_and_report_print_a_smaller_plan_with_a_minus_sign():
    doc = _doc(-312)
    for text in (format_result(doc), to_html(doc)):
        assert "+-" not in text and "-312 bytes" in text, text
    assert "best: drop 0.40 pp, -312 bytes" in format_result(doc)
    assert "90.00% (drop 0.40 pp), -312 bytes: block1_project int16" in format_result(doc)


def test_cli_text_prints_a_larger_plan_with_a_plus_sign():
    text = format_result(_doc(2048))
    assert "best: drop 0.40 pp, +2,048 bytes" in text and "-2,048" not in text
