"""Reading untrusted files in bounded memory: zip members, .npz arrays, JSON objects.

Zip: sizes are checked from the archive's directory before inflating.

A zip's central directory declares each member's compressed and uncompressed size. ``zipfile``
never returns more than the declared size (a member that inflates further fails its CRC), so
refusing a declared size over a limit bounds the memory a read can take, whatever the archive
holds. The declared sizes must also be possible: DEFLATE cannot expand more than 1,032:1 and a
stored member is its own size, so a directory claiming otherwise is a crafted archive. Only stored
and deflated members are read (what qftune writes and numpy's ``savez_compressed`` makes).

.npz: each array's header (shape, dtype) must fit in its member, or numpy would allocate the declared
shape before finding the data missing. JSON: :func:`unique_keys` (an ``object_pairs_hook``) refuses
a key given twice in one object, which ``json`` would silently resolve to the last value.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np

DEFLATE_MAX_RATIO = 1032          # a 2-bit code per 258-byte match: the most DEFLATE can expand
_SLACK = 4096                     # headers and block framing of a tiny member


class ZipLimitError(ValueError):
    """A member too large or with impossible declared sizes; the message names the file and the member."""


def check_member(where: str, info: zipfile.ZipInfo, limit: int) -> None:
    """Refuse ``info`` (a member of the archive ``where``) before anything is inflated."""
    name = info.filename
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ZipLimitError(f"{where}: {name} uses zip compression method {info.compress_type}; only stored "
                            "and deflated members are read")
    if info.file_size > limit:
        raise ZipLimitError(f"{where}: {name} declares {info.file_size:,} bytes uncompressed "
                            f"({info.compress_size:,} compressed); the limit is {limit:,} bytes, far above "
                            "any real one: not reading it")
    if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
        raise ZipLimitError(f"{where}: {name} is stored uncompressed but declares {info.file_size:,} bytes "
                            f"in {info.compress_size:,}: a damaged or crafted archive")
    if info.file_size > DEFLATE_MAX_RATIO * info.compress_size + _SLACK:
        raise ZipLimitError(f"{where}: {name} declares {info.file_size:,} bytes from {info.compress_size:,} "
                            f"compressed, beyond DEFLATE's {DEFLATE_MAX_RATIO}:1: a damaged or crafted archive")


def read_member(z: zipfile.ZipFile, name: str, where: str, limit: int) -> bytes:
    """``z.read(name)`` after :func:`check_member`."""
    info = z.getinfo(name)
    check_member(where, info, limit)
    return z.read(info)


def check_archive(z: zipfile.ZipFile, where: str, limit: int, max_members: int = 100_000) -> None:
    """Every member of ``z`` under ``limit`` bytes and all of them together too (an .npz read whole)."""
    infos = z.infolist()
    if len(infos) > max_members:
        raise ZipLimitError(f"{where}: {len(infos):,} members; the limit is {max_members:,}")
    total = 0
    for info in infos:
        check_member(where, info, limit)
        total += info.file_size
    if total > limit:
        raise ZipLimitError(f"{where}: its members declare {total:,} bytes uncompressed in all; the limit is "
                            f"{limit:,} bytes, far above any real one: not reading it")


def check_npz(raw: bytes, where: str, limit: int) -> None:
    """The .npz bytes ``raw``: every member under ``limit`` and every array no larger than its member."""
    from numpy.lib import format as npy

    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        check_archive(z, where, limit)
        for info in z.infolist():
            with z.open(info) as f:
                version = npy.read_magic(f)
                read_header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
                shape, _fortran, dtype = read_header(f)
                nbytes = float(np.prod(shape, dtype=np.float64)) * dtype.itemsize
                if nbytes > info.file_size:
                    raise ZipLimitError(f"{where}: {info.filename} declares a {'x'.join(map(str, shape)) or 'scalar'}"
                                        f" {dtype} array ({nbytes:,.0f} bytes) in a {info.file_size:,}-byte member")


class DuplicateKeyError(ValueError):
    """A JSON object with one key twice; ``key`` names it."""

    def __init__(self, key: str):
        super().__init__(f"the key {key!r} appears twice in one object")
        self.key = key


def unique_keys(pairs) -> dict:
    """``json.loads(..., object_pairs_hook=unique_keys)``: a dict, or :class:`DuplicateKeyError`."""
    out = {}
    for k, v in pairs:
        if k in out:
            raise DuplicateKeyError(k)
        out[k] = v
    return out


__all__ = ["ZipLimitError", "DuplicateKeyError", "check_member", "read_member", "check_archive", "check_npz",
           "unique_keys", "DEFLATE_MAX_RATIO"]
