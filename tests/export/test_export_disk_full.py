"""Issue 20 §4: a full disk during ``export --out X --float-out Y`` names the file and leaves either nothing or
the complete set (int8 file, its report, the float twin): all are written to temporary files, then renamed.

A real ENOSPC: a small tmpfs mounted for the test (needs root; skipped otherwise)."""

from __future__ import annotations

import os
import subprocess

import pytest

from cli_kit import clean_error, run

PAGE = 4096


def _pages(n: int) -> int:
    return (n + PAGE - 1) // PAGE


@pytest.fixture
def small_disk(tmp_path):
    """A factory: mount a tmpfs of ``size`` bytes at a fresh folder (unmounted afterwards)."""
    mounted = []

    def mount(size: int):
        where = tmp_path / f"disk{len(mounted)}"
        where.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or 'not root'})")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", str(where)], capture_output=True)


def test_a_full_disk_names_the_file_and_leaves_nothing_half_written(qf_session, tmp_path, small_disk):
    ref = tmp_path / "ref"
    ok = run("export", qf_session.path, "--out", ref / "m.tflite", "--float-out", ref / "m_float.tflite")
    assert ok.returncode == 0, ok.stderr
    sizes = {p.name: p.stat().st_size for p in ref.iterdir()}
    # room for the int8 file and its report, not for the float twin as well
    room = (_pages(sizes["m.tflite"]) + _pages(sizes["m.export.json"]) + 2) * PAGE
    assert room < (_pages(sizes["m.tflite"]) + _pages(sizes["m.export.json"]) + _pages(sizes["m_float.tflite"])) * PAGE
    disk = small_disk(room)
    out, flt = disk / "m.tflite", disk / "m_float.tflite"
    err = clean_error(run("export", qf_session.path, "--out", out, "--float-out", flt), "No space left on device")
    assert str(out) in err or str(flt) in err or str(disk / "m.export.json") in err, err   # the file is named
    assert os.listdir(disk) == [], os.listdir(disk)            # nothing: no int8 file without its report, no temp

    # over a complete earlier set on a disk too small for a second copy: the old set stays whole
    disk2 = small_disk((_pages(sizes["m.tflite"]) + _pages(sizes["m.export.json"]) + 1) * PAGE)
    for name in ("m.tflite", "m.export.json"):
        (disk2 / name).write_bytes((ref / name).read_bytes())
    before = {p.name: p.read_bytes() for p in disk2.iterdir()}
    clean_error(run("export", qf_session.path, "--out", disk2 / "m.tflite", "--weights", "per-tensor"),
                "No space left on device", "m.")
    assert {p.name: p.read_bytes() for p in disk2.iterdir()} == before
