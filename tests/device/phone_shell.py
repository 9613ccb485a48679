"""The emulated phone's ``/system/bin/sh``: a small interpreter for the commands qftune sends.

Test infrastructure only. Every path is confined to the sandbox directory that plays the
phone's filesystem (``..`` cannot climb above ``/``). Supported: ``;``, ``&&``, ``||``,
single/double quotes and backslashes, ``$?``, ``2>&1`` and ``>/dev/null`` redirections, and
the built-ins below. Executables are sandbox files starting with an ELF header (the stand-in
tools, see ``standins.py``); their Python payload runs on the host with the LiteRT interpreter.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import signal
import stat
import subprocess
import sys
import threading

from standins import ELF_MACHINE_AARCH64, ELF_MACHINE_ARM, PAYLOAD_MARKER

STATUS = "\x00"  # stands for an unquoted $? until execution


def tokenize(line: str) -> list[tuple[str, str]]:
    """-> [("word", text) | ("op", ";"|"&&"|"||"|"|") | ("redir", "2>&1"|">/dev/null"|...)]"""
    tokens, i, n = [], 0, len(line)
    word, in_word = [], False

    def flush():
        nonlocal word, in_word
        if in_word:
            text = "".join(word)
            tokens.append(("redir", text) if text in ("2>&1", ">/dev/null", "2>/dev/null", "1>/dev/null") else ("word", text))
        word, in_word = [], False

    while i < n:
        c = line[i]
        if c in " \t\n":
            flush(); i += 1
        elif line.startswith("&&", i) or line.startswith("||", i):
            flush(); tokens.append(("op", line[i:i + 2])); i += 2
        elif c in ";|":
            flush(); tokens.append(("op", c)); i += 1
        elif c == "'":
            j = line.index("'", i + 1)
            word.append(line[i + 1:j]); in_word = True; i = j + 1
        elif c == '"':
            i += 1; in_word = True
            while line[i] != '"':
                if line[i] == "\\" and line[i + 1] in '"\\$`':
                    word.append(line[i + 1]); i += 2
                else:
                    word.append(line[i]); i += 1
            i += 1
        elif c == "\\":
            word.append(line[i + 1]); in_word = True; i += 2
        elif line.startswith("$?", i):
            word.append(STATUS); in_word = True; i += 2
        else:
            word.append(c); in_word = True; i += 1
    flush()
    return tokens


class PhoneShell:
    """Runs one ``shell:`` command line; ``write(bytes)`` sends output to the host (blocking)."""

    def __init__(self, phone, write, closed: threading.Event):
        self.phone = phone
        self.write = write
        self.closed = closed
        self.cwd = "/"
        self.status = 0

    # -- paths -------------------------------------------------------------------------------
    def vpath(self, p: str) -> str:
        return posixpath.normpath(posixpath.join(self.cwd, p))

    def host(self, p: str) -> str:
        return os.path.join(self.phone.root, self.vpath(p).lstrip("/"))

    def out(self, text: str) -> None:
        self.write(text.encode())

    # -- execution ---------------------------------------------------------------------------
    def run(self, line: str) -> int:
        try:
            tokens = tokenize(line)
        except (ValueError, IndexError):
            self.out("/system/bin/sh: syntax error: unterminated quoted string\n")
            return 2
        cmd, op = [], None
        for kind, value in tokens + [("op", ";")]:
            if kind != "op":
                cmd.append((kind, value))
                continue
            if value == "|":
                self.out("/system/bin/sh: pipes are not emulated\n")
                return 2
            if cmd and (op is None or op == ";" or (op == "&&" and self.status == 0) or (op == "||" and self.status != 0)):
                self.status = self.simple([(k, v.replace(STATUS, str(self.status))) for k, v in cmd])
            cmd, op = [], value
            if self.closed.is_set():
                break
        return self.status

    def simple(self, cmd) -> int:
        words = [v for k, v in cmd if k == "word"]
        quiet = any(v in (">/dev/null", "1>/dev/null") for k, v in cmd if k == "redir")
        write = self.write
        if quiet:
            self.write = lambda data: None
        try:
            return self.dispatch(words)
        finally:
            self.write = write

    def dispatch(self, words) -> int:
        name, args = words[0], words[1:]
        builtin = getattr(self, "cmd_" + name.replace("-", "_"), None) if "/" not in name else None
        if builtin is not None:
            return builtin(args)
        if "/" in name:
            return self.execute(name, args)
        self.out(f"/system/bin/sh: {name}: inaccessible or not found\n")
        return 127

    def execute(self, name, args) -> int:
        path = self.host(name)
        if not os.path.isfile(path):
            self.out(f"/system/bin/sh: {name}: inaccessible or not found\n")
            return 127
        if not os.stat(path).st_mode & stat.S_IXUSR:
            self.out(f"/system/bin/sh: {name}: can't execute: Permission denied\n")
            return 126
        with open(path, "rb") as f:
            blob = f.read()
        machine = int.from_bytes(blob[18:20], "little") if blob[:4] == b"\x7fELF" else None
        if machine not in (ELF_MACHINE_AARCH64, ELF_MACHINE_ARM):
            kind = "64-bit ELF file" if machine is not None else "not an ELF file"
            self.out(f"/system/bin/sh: {name}: not executable: {kind}\n")
            return 126
        at = blob.find(PAYLOAD_MARKER)
        if at < 0:
            self.out(f"/system/bin/sh: {name}: a real binary cannot run on the emulated phone\n")
            return 126
        code = blob[at + len(PAYLOAD_MARKER):].decode()
        env = dict(os.environ, PHONE_ROOT=self.phone.root, PHONE_CWD=self.cwd, PYTHONUNBUFFERED="1")
        proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env, cwd=self.host(self.cwd), start_new_session=True)
        self.phone.register_process(proc)
        try:
            while True:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                self.write(chunk)
                if self.closed.is_set():
                    break
        finally:
            if proc.poll() is None and self.closed.is_set():
                os.killpg(proc.pid, signal.SIGKILL)
            code = proc.wait()
            proc.stdout.close()
            self.phone.unregister_process(proc)
        if code < 0:  # killed by a signal: report like sh does
            names = {signal.SIGSEGV: "Segmentation fault", signal.SIGABRT: "Aborted", signal.SIGKILL: "Killed"}
            self.out(f"{names.get(-code, 'Signal ' + str(-code))} \n")
            return 128 - code
        return code

    # -- built-ins ---------------------------------------------------------------------------
    def cmd_true(self, args):
        return 0

    def cmd_false(self, args):
        return 1

    def cmd_echo(self, args):
        self.out(" ".join(args) + "\n")
        return 0

    def cmd_cd(self, args):
        target = self.vpath(args[0] if args else "/")
        if not os.path.isdir(self.host(target)):
            self.out(f"/system/bin/sh: cd: {args[0]}: No such file or directory\n")
            return 2
        self.cwd = target
        return 0

    def cmd_getprop(self, args):
        props = self.phone.props
        if args:
            self.out(props.get(args[0], "") + "\n")
        else:
            self.out("".join(f"[{k}]: [{v}]\n" for k, v in sorted(props.items())))
        return 0

    def cmd_mkdir(self, args):
        parents = "-p" in args
        for a in (a for a in args if not a.startswith("-")):
            try:
                os.makedirs(self.host(a), exist_ok=parents) if parents else os.mkdir(self.host(a))
            except OSError as e:
                self.out(f"mkdir: '{a}': {e.strerror}\n")
                return 1
        return 0

    def cmd_chmod(self, args):
        mode = int(args[0], 8)
        for a in args[1:]:
            if not os.path.exists(self.host(a)):
                self.out(f"chmod: {a}: No such file or directory\n")
                return 1
            os.chmod(self.host(a), mode)
        return 0

    def cmd_rm(self, args):
        import shutil
        for a in (a for a in args if not a.startswith("-")):
            p = self.host(a)
            if os.path.isdir(p) and "-r" in "".join(args):
                shutil.rmtree(p)
            elif os.path.exists(p):
                os.unlink(p)
        return 0

    def cmd_ls(self, args):
        status = 0
        for a in (a for a in args if not a.startswith("-")) or ["."]:
            p = self.host(a)
            if os.path.isdir(p):
                self.out("".join(n + "\n" for n in sorted(os.listdir(p))))
            elif os.path.exists(p):
                self.out(a + "\n")
            else:
                self.out(f"ls: {a}: No such file or directory\n")
                status = 1
        return status

    def cmd_cat(self, args):
        for a in args:
            with open(self.host(a), "rb") as f:
                self.write(f.read())
        return 0

    def _hash(self, algo, args):
        status = 0
        for a in args:
            p = self.host(a)
            if not os.path.isfile(p):
                self.out(f"{algo}sum: {a}: No such file or directory\n")
                status = 1
                continue
            with open(p, "rb") as f:
                self.out(f"{hashlib.new(algo, f.read()).hexdigest()}  {a}\n")
        return status

    def cmd_sha256sum(self, args):
        return self._hash("sha256", args)

    def cmd_md5sum(self, args):
        return self._hash("md5", args)

    def cmd_df(self, args):
        used = 12_345_678
        free = self.phone.free_kb()
        self.out("Filesystem       1K-blocks     Used Available Use% Mounted on\n"
                 f"/dev/block/dm-0 {used + free:10d} {used:8d} {free:9d} {100 * used // (used + free)}% /data\n")
        return 0

    def cmd_taskset(self, args):
        if len(args) < 2:
            self.out("usage: taskset [-p] [mask] [PID | cmd [args...]]\n")
            return 1
        int(args[0], 16)
        return self.dispatch(args[1:])
