"""A loopback emulation of a Pixel 2's adbd (test infrastructure only; nothing in core/gui knows it).

Speaks the adb transport protocol (docs/device.md, section 3) to a real adb server that ran
``adb connect 127.0.0.1:PORT``: 24-byte headers, CNXN (or AUTH when ``unauthorized``),
OPEN/OKAY/WRTE/CLSE with one WRTE in flight per stream, and the ``shell:`` and ``sync:``
services on a sandbox directory. ``kill()`` drops every connection as an unplugged cable does.
"""

from __future__ import annotations

import os
import socket
import stat
import struct
import threading

from phone_shell import PhoneShell

A_CNXN, A_AUTH, A_OPEN, A_OKAY, A_CLSE, A_WRTE = (
    int.from_bytes(s, "little") for s in (b"CNXN", b"AUTH", b"OPEN", b"OKAY", b"CLSE", b"WRTE"))
VERSION = 0x01000001
MAX_DATA = 256 * 1024
CHUNK = 4096
BANNER = (b"device::ro.product.name=walleye;ro.product.model=Pixel 2;ro.product.device=walleye;"
          b"features=shell_v2,cmd,stat_v2")
PIXEL2_PROPS = {
    "ro.product.model": "Pixel 2", "ro.product.name": "walleye", "ro.product.device": "walleye",
    "ro.product.manufacturer": "Google", "ro.build.version.release": "11", "ro.build.version.sdk": "30",
    "ro.product.cpu.abi": "arm64-v8a", "ro.product.cpu.abilist": "arm64-v8a,armeabi-v7a,armeabi",
    "ro.board.platform": "msm8998",
}


def _packet(cmd: int, arg0: int, arg1: int, data: bytes = b"") -> bytes:
    return struct.pack("<6I", cmd, arg0, arg1, len(data), sum(data) & 0xFFFFFFFF, cmd ^ 0xFFFFFFFF) + data


class _Stream:
    def __init__(self, conn: _Connection, local_id: int, remote_id: int):
        self.conn, self.local_id, self.remote_id = conn, local_id, remote_id
        self.okay = threading.Event()
        self.okay.set()
        self.closed = threading.Event()
        self.inbox = bytearray()
        self.inbox_cv = threading.Condition()

    def write(self, data: bytes) -> None:
        for i in range(0, len(data), CHUNK):
            if not self.okay.wait(30) or self.closed.is_set():
                self.closed.set()
                return
            self.okay.clear()
            self.conn.send(_packet(A_WRTE, self.local_id, self.remote_id, data[i:i + CHUNK]))

    def read(self, n: int) -> bytes:
        """Exactly n bytes from the host (sync packets are split anywhere), or b'' when closed."""
        with self.inbox_cv:
            while len(self.inbox) < n:
                if self.closed.is_set() or not self.inbox_cv.wait(30):
                    return b""
            data = bytes(self.inbox[:n])
            del self.inbox[:n]
            return data

    def close(self) -> None:
        if not self.closed.is_set():
            self.closed.set()
            self.conn.send(_packet(A_CLSE, self.local_id, self.remote_id))
        with self.inbox_cv:
            self.inbox_cv.notify_all()


class _Connection:
    def __init__(self, phone: FakePhone, sock: socket.socket):
        self.phone, self.sock = phone, sock
        self.lock = threading.Lock()
        self.streams: dict[int, _Stream] = {}
        self.next_id = 1

    def send(self, data: bytes) -> None:
        with self.lock:
            try:
                self.sock.sendall(data)
            except OSError:
                pass

    def recv_exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("host closed")
            buf += chunk
        return bytes(buf)

    def serve(self) -> None:
        try:
            while True:
                cmd, arg0, arg1, length, _crc, magic = struct.unpack("<6I", self.recv_exact(24))
                data = self.recv_exact(length) if length else b""
                self.handle(cmd, arg0, arg1, data)
        except (ConnectionError, OSError, struct.error):
            pass
        finally:
            for s in list(self.streams.values()):
                s.closed.set()
                with s.inbox_cv:
                    s.inbox_cv.notify_all()
            try:
                self.sock.close()
            except OSError:
                pass

    def handle(self, cmd, arg0, arg1, data) -> None:
        if cmd == A_CNXN:
            if self.phone.unauthorized:
                self.send(_packet(A_AUTH, 1, 0, os.urandom(20)))
            else:
                self.send(_packet(A_CNXN, VERSION, MAX_DATA, BANNER))
        elif cmd == A_AUTH:
            if arg0 == 2:  # a signature we never accept: ask again, the host then offers its key
                self.send(_packet(A_AUTH, 1, 0, os.urandom(20)))
        elif cmd == A_OPEN:
            service = data.rstrip(b"\x00").decode()
            local_id, self.next_id = self.next_id, self.next_id + 1
            stream = _Stream(self, local_id, arg0)
            handler = self.phone.service_handler(service)
            if handler is None:
                self.send(_packet(A_CLSE, 0, arg0))
                return
            self.streams[local_id] = stream
            self.send(_packet(A_OKAY, local_id, arg0))
            threading.Thread(target=self._run, args=(handler, stream, service), daemon=True).start()
        elif cmd == A_OKAY:
            s = self.streams.get(arg1)
            if s:
                s.okay.set()
        elif cmd == A_WRTE:
            s = self.streams.get(arg1)
            if s:
                with s.inbox_cv:
                    s.inbox += data
                    s.inbox_cv.notify_all()
                self.send(_packet(A_OKAY, arg1, arg0))
        elif cmd == A_CLSE:
            s = self.streams.pop(arg1, None)
            if s:
                s.closed.set()
                s.okay.set()
                with s.inbox_cv:
                    s.inbox_cv.notify_all()

    def _run(self, handler, stream, service) -> None:
        try:
            handler(stream, service)
        except Exception as exc:  # the emulator must never hang the host on its own bug
            try:
                stream.write(f"emulator error: {exc!r}\n".encode())
            except Exception:
                pass
        finally:
            stream.close()
            self.streams.pop(stream.local_id, None)


class FakePhone:
    """An emulated Pixel 2 listening on 127.0.0.1:port, its filesystem in ``root``."""

    def __init__(self, root, port: int = 0, unauthorized: bool = False, free_kb: int = 40_000_000):
        self.root = str(root)
        os.makedirs(os.path.join(self.root, "data/local/tmp"), exist_ok=True)
        self.unauthorized = unauthorized
        self.free_kb_limit = free_kb
        self.props = dict(PIXEL2_PROPS)
        self._procs: set = set()
        self._conns: list[_Connection] = []
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self._listener.listen(4)
        self.port = self._listener.getsockname()[1]
        self.alive = True
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def serial(self) -> str:
        return f"127.0.0.1:{self.port}"

    def free_kb(self) -> int:
        return self.free_kb_limit

    def _accept(self) -> None:
        while self.alive:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            if not self.alive:
                sock.close()
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as adbd does; avoids 40 ms Nagle stalls
            conn = _Connection(self, sock)
            self._conns.append(conn)
            threading.Thread(target=conn.serve, daemon=True).start()

    def kill(self) -> None:
        """Unplug: stop listening, drop every connection, kill running tools."""
        self.alive = False
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        try:
            self._listener.close()
        except OSError:
            pass
        for c in self._conns:
            try:
                c.sock.shutdown(socket.SHUT_RDWR)
                c.sock.close()
            except OSError:
                pass
        for p in list(self._procs):
            try:
                p.kill()
            except OSError:
                pass

    def register_process(self, p) -> None:
        self._procs.add(p)

    def unregister_process(self, p) -> None:
        self._procs.discard(p)

    # -- services ----------------------------------------------------------------------------
    def service_handler(self, service: str):
        if service.startswith("shell:"):
            return self._shell
        if service == "sync:":
            return self._sync
        return None

    def _shell(self, stream: _Stream, service: str) -> None:
        PhoneShell(self, stream.write, stream.closed).run(service[len("shell:"):])

    def _host(self, vpath: str) -> str:
        import posixpath
        return os.path.join(self.root, posixpath.normpath("/" + vpath).lstrip("/"))

    def _sync(self, stream: _Stream, service: str) -> None:
        while True:
            head = stream.read(8)
            if len(head) < 8:
                return
            req, length = head[:4], struct.unpack("<I", head[4:])[0]
            if req == b"QUIT":
                return
            path = stream.read(length).decode()
            if req == b"STAT":
                try:
                    st = os.stat(self._host(path))
                    stream.write(b"STAT" + struct.pack("<III", st.st_mode, st.st_size & 0xFFFFFFFF, int(st.st_mtime)))
                except OSError:
                    stream.write(b"STAT" + struct.pack("<III", 0, 0, 0))
            elif req == b"LIST":
                folder = self._host(path)
                names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
                for name in names:
                    st = os.stat(os.path.join(folder, name))
                    raw = name.encode()
                    stream.write(b"DENT" + struct.pack("<IIII", st.st_mode, st.st_size, int(st.st_mtime), len(raw)) + raw)
                stream.write(b"DONE" + bytes(16))
            elif req == b"SEND":
                self._receive_file(stream, path)
            elif req == b"RECV":
                try:
                    with open(self._host(path), "rb") as f:
                        while chunk := f.read(CHUNK):
                            stream.write(b"DATA" + struct.pack("<I", len(chunk)) + chunk)
                    stream.write(b"DONE" + bytes(4))
                except OSError as e:
                    msg = e.strerror.encode()
                    stream.write(b"FAIL" + struct.pack("<I", len(msg)) + msg)
            else:
                return

    def _receive_file(self, stream: _Stream, spec: str) -> None:
        path, _, mode = spec.rpartition(",")
        data = bytearray()
        while True:
            head = stream.read(8)
            if len(head) < 8:
                return
            kind, n = head[:4], struct.unpack("<I", head[4:])[0]
            if kind == b"DONE":
                break
            data += stream.read(n)
        if len(data) // 1024 > self.free_kb():
            msg = f"write failed: No space left on device ({path})".encode()
            stream.write(b"FAIL" + struct.pack("<I", len(msg)) + msg)
            return
        target = self._host(path)
        if not os.path.isdir(os.path.dirname(target)):
            msg = f"secure_mkdirs failed: {os.path.dirname(path)}".encode()
            stream.write(b"FAIL" + struct.pack("<I", len(msg)) + msg)
            return
        with open(target, "wb") as f:
            f.write(data)
        os.chmod(target, stat.S_IMODE(int(mode)) if mode else 0o644)
        stream.write(b"OKAY" + bytes(4))
