"""Putting files on the phone: remote directory, free-space check, push, size+hash verification."""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from ..checksum import sha256_file
from ..progress import NULL_PROGRESS, Progress
from .adb import DeviceInfo
from .errors import DeviceError, NotEnoughSpace, PushFailed
from .server import adbutils, diagnose  # adbutils is imported on first use
from .shell import check, quote, run

DEFAULT_REMOTE_DIR = "/data/local/tmp/qftune"
SPACE_MARGIN = 1.10  # keep 10 % head room over the bytes we push


@dataclass
class PushedFile:
    local: str
    remote: str
    size: int
    sha256: str


def prepare_remote_dir(device: adbutils.AdbDevice, remote_dir: str) -> None:
    if not remote_dir.startswith("/"):
        raise ValueError(f"remote directory must be absolute, got {remote_dir!r}")
    check(device, f"mkdir -p {quote(remote_dir)}", what=f"creating {remote_dir}", timeout=20)


_SIZE = re.compile(r"^(\d+(?:\.\d+)?)([KMGT]?)$", re.I)


def parse_df_free_kb(text: str) -> int:
    """Free KiB from ``df -k PATH`` output (toybox 'Available' or old toolbox 'Free' column)."""
    lines = [line.split() for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 2:
        raise ValueError(f"cannot read free space from df output: {text.strip()!r}")
    header = [h.lower() for h in lines[0]]
    col = next((header.index(h) for h in ("available", "avail", "free") if h in header), None)
    row = lines[-1]
    if len(row) < len(header) - 1:  # a long filesystem name wrapped onto its own line
        row = lines[-2] + row
    if col is None or col >= len(row):
        raise ValueError(f"cannot read free space from df output: {text.strip()!r}")
    m = _SIZE.match(row[col])
    if not m:
        raise ValueError(f"cannot read free space from df output: {row[col]!r}")
    value, unit = float(m.group(1)), m.group(2).upper()
    if not unit and "1k-blocks" not in header and "free" in header:
        return int(value / 1024)  # old toolbox df without units prints bytes
    return int(value * {"": 1, "K": 1, "M": 1024, "G": 1024**2, "T": 1024**3}[unit])


def free_space_kb(device: adbutils.AdbDevice, remote_dir: str) -> int:
    result = check(device, f"df -k {quote(remote_dir)}", what=f"df on {remote_dir}", timeout=20)
    return parse_df_free_kb(result.output)


def check_free_space(device, remote_dir: str, files: list[Path]) -> None:
    need_kb = int(sum(Path(f).stat().st_size for f in files) * SPACE_MARGIN / 1024) + 1
    free_kb = free_space_kb(device, remote_dir)
    if free_kb < need_kb:
        raise NotEnoughSpace(f"not enough space on {device.serial} in {remote_dir}: need {_size(need_kb)}, "
                             f"{_size(free_kb)} free")


def _size(kb: int) -> str:
    return f"{kb} KB" if kb < 10 * 1024 else f"{kb / 1024:.1f} MB"


def remote_hash(device, remote: str) -> tuple[str, str]:
    """(algorithm, hexdigest) of a file on the device: sha256sum, or md5sum on old phones."""
    for algo in ("sha256", "md5"):
        result = run(device, f"{algo}sum {quote(remote)}", what=f"{algo}sum {remote}", timeout=60)
        if result.ok and result.output.strip():
            return algo, result.output.split()[0].lower()
    raise PushFailed(f"cannot verify {remote} on {device.serial}: neither sha256sum nor md5sum works "
                     f"({result.output.strip()})")


def push_verified(device: adbutils.AdbDevice, local: str | Path, remote: str, mode: int = 0o644,
                  progress: Progress = NULL_PROGRESS) -> PushedFile:
    """Push one file and verify it on the device by size and hash; raises PushFailed/DeviceLost."""
    local = Path(local)
    size, digest = local.stat().st_size, sha256_file(local)
    progress.check_cancelled()
    try:
        device.sync.push(str(local), remote, mode=mode)
        st = device.sync.stat(remote)
    except adbutils.AdbError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        if "No space left" in message:
            raise NotEnoughSpace(f"the phone ran out of space while pushing {local.name} to {remote}") from exc
        if "FAIL" in message or "failed" in message:
            raise PushFailed(f"pushing {local.name} to {remote} failed: {message}") from exc
        raise diagnose(device.serial, f"pushing {local.name}") from exc
    except (OSError, EOFError, AssertionError, Exception) as exc:
        if isinstance(exc, DeviceError):
            raise
        raise diagnose(device.serial, f"pushing {local.name}") from exc
    if st.size != size:
        raise PushFailed(f"{remote} on {device.serial} has {st.size} bytes after the push, {local} has {size}")
    algo, remote_digest = remote_hash(device, remote)
    want = digest if algo == "sha256" else hashlib.md5(local.read_bytes()).hexdigest()
    if remote_digest != want:
        raise PushFailed(f"{remote} on {device.serial} differs from {local} after the push ({algo} {remote_digest} "
                         f"!= {want})")
    return PushedFile(str(local), remote, size, digest)


def push_many(device: adbutils.AdbDevice, files: list[tuple[Path, str]], mode: int = 0o644,
              progress: Progress = NULL_PROGRESS) -> None:
    """Push many small files over ONE sync connection (adbutils opens two connections per file).

    ``files``: (local, remote) pairs. Verify afterwards (sizes/hashes); raises NotEnoughSpace,
    PushFailed, or the diagnosed connection error.
    """
    import stat as stat_mod
    import struct
    import time

    def fail(exc):
        return diagnose(device.serial, f"pushing {len(files)} files")

    try:
        with device.open_transport(timeout=60) as c:
            c.send_command("sync:")
            c.check_okay()
            for i, (local, remote) in enumerate(files):
                if i % 20 == 0:
                    progress.update(i, len(files), f"pushing {i}/{len(files)} files")
                spec = f"{remote},{stat_mod.S_IFREG | mode}".encode()
                data = Path(local).read_bytes()
                parts = [b"SEND", struct.pack("<I", len(spec)), spec]
                for at in range(0, len(data), 64 * 1024):
                    chunk = data[at:at + 64 * 1024]
                    parts += [b"DATA", struct.pack("<I", len(chunk)), chunk]
                parts += [b"DONE", struct.pack("<I", int(time.time()))]
                c.conn.sendall(b"".join(parts))
                reply = c.read_exact(8)
                if reply[:4] != b"OKAY":
                    n = struct.unpack("<I", reply[4:])[0]
                    message = c.read_exact(n).decode("utf-8", "replace") if reply[:4] == b"FAIL" else repr(reply)
                    if "No space left" in message:
                        raise NotEnoughSpace(f"the phone ran out of space while pushing {Path(local).name} to {remote}")
                    raise PushFailed(f"pushing {Path(local).name} to {remote} failed: {message}")
            c.conn.sendall(b"QUIT" + struct.pack("<I", 0))
    except DeviceError:
        raise
    except (adbutils.AdbError, OSError, EOFError) as exc:
        raise fail(exc) from exc
    progress.update(len(files), len(files), f"pushed {len(files)} files")


def push_files(device, info: DeviceInfo, files: dict[str, tuple[Path, int]], remote_dir: str = DEFAULT_REMOTE_DIR,
               progress: Progress = NULL_PROGRESS) -> dict[str, PushedFile]:
    """Push ``{remote_name: (local_path, mode)}`` into ``remote_dir`` after a free-space check."""
    prepare_remote_dir(device, remote_dir)
    check_free_space(device, remote_dir, [p for p, _ in files.values()])
    out = {}
    for i, (name, (local, mode)) in enumerate(files.items()):
        progress.update(i, len(files), f"pushing {Path(local).name} to {info.name}")
        out[name] = push_verified(device, local, posixpath.join(remote_dir, name), mode, progress)
    progress.update(len(files), len(files), "pushed")
    return out
