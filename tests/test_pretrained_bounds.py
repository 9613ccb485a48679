"""qftune pretrained refuses, before building anything, what would exhaust memory or fail at export."""

from __future__ import annotations

from cli_kit import clean_error, run


def test_alpha_size_and_classes_are_bounded_at_the_first_command(tmp_path):
    out = tmp_path / "m.keras"
    clean_error(run("pretrained", "mobilenet-v2", "--alpha", "100", "--weights", "none", "--out", out),
                "--alpha", "<= 4, got 100")
    clean_error(run("pretrained", "mobilenet-v2", "--size", "32", "--weights", "none", "--out", out),
                "--size", "from 64 to 320", "got 32")
    clean_error(run("pretrained", "mobilenet-v1", "--alpha", "4", "--classes", "100000", "--weights", "none",
                    "--out", out), "--alpha 4 and --classes 100000", "million parameters", "lower --alpha or --classes")
    assert not out.exists()
