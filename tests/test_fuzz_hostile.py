"""Hostile session files: refused from what they declare, before any memory is spent on them.

A zip bomb (a small .qft whose session.json inflates far beyond any real session), member sizes
declared beyond any limit or beyond what DEFLATE can produce, an .npy header claiming a huge array,
and a session.json with a key given twice: each is one clear line naming the file (exit 2)."""

from __future__ import annotations

import io
import json
import shutil
import struct
import zipfile

import numpy as np

from cli_kit import ROOT, clean_error, run
from core.session import MAX_JSON_BYTES

BUNDLED = ROOT / "resources" / "sessions" / "mobilenet_v2_qf_fmnist.qft"


def _members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _write(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _declare(path, name: str, uncompressed: int):
    """Patch the central directory so member ``name`` declares ``uncompressed`` bytes (data unchanged)."""
    data = bytearray(path.read_bytes())
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + name_len] == name.encode():
            struct.pack_into("<I", data, at + 24, uncompressed)
            path.write_bytes(bytes(data))
            return path
        at += 4
    raise AssertionError(f"{name} not in {path}")


def test_zip_bomb_session_is_refused_before_inflating(tmp_path):
    bomb = tmp_path / "bomb.qft"
    members = _members(BUNDLED)
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("session.json", "w", force_zip64=True) as f:   # streamed: the test itself stays small
            f.write(members["session.json"][:-2])
            chunk = b" " * (1 << 20)
            for _ in range(MAX_JSON_BYTES // len(chunk) + 8):
                f.write(chunk)
            f.write(b"}\n")
        z.writestr("histograms.npz", members["histograms.npz"])
    assert bomb.stat().st_size < MAX_JSON_BYTES // 100
    clean_error(run("ranges", bomb), str(bomb), "session.json declares", "uncompressed", "limit")


def test_oversized_and_impossible_declared_sizes(tmp_path):
    big = _declare(_write(tmp_path / "big.qft", _members(BUNDLED)), "session.json", 0xFFFF_FFF0)
    clean_error(run("ranges", big), str(big), "session.json declares 4,294,967,280 bytes")
    members = _members(BUNDLED)
    with zipfile.ZipFile(io.BytesIO(BUNDLED.read_bytes())) as z:
        compressed = z.getinfo("histograms.npz").compress_size
    impossible = 2000 * compressed + 10_000          # far under the limit, beyond DEFLATE's 1,032:1
    odd = _declare(_write(tmp_path / "odd.qft", members), "histograms.npz", impossible)
    clean_error(run("ranges", odd), str(odd), "histograms.npz declares", "beyond DEFLATE")


def test_npy_header_claiming_a_huge_array(tmp_path):
    members = _members(BUNDLED)
    with zipfile.ZipFile(io.BytesIO(members["histograms.npz"])) as z:
        arrays = {n: z.read(n) for n in z.namelist()}
    name = sorted(arrays)[0]
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    arrays[name] = buf.getvalue() + b"\0" * 64
    npz = io.BytesIO()
    with zipfile.ZipFile(npz, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in arrays.items():
            z.writestr(n, data)
    members["histograms.npz"] = npz.getvalue()
    path = _write(tmp_path / "huge_array.qft", members)
    clean_error(run("ranges", path), str(path), "histograms.npz", name, "1000000000000", "8,000,000,000,000 bytes")


def test_duplicate_keys_in_session_json(tmp_path):
    members = _members(BUNDLED)
    text = members["session.json"].decode()
    assert text.startswith("{")
    members["session.json"] = ('{\n "version": 99,' + text[1:]).encode()    # "version" twice: which one?
    path = _write(tmp_path / "twice.qft", members)
    clean_error(run("ranges", path), str(path), "'version' twice")
    ok = tmp_path / "ok.qft"
    shutil.copy(BUNDLED, ok)
    out = run("ranges", ok, "--json")
    assert out.returncode == 0 and json.loads(out.stdout)    # the real one still loads
