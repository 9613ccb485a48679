"""Run engine jobs in a separate process so the UI never waits for the GIL.

TensorFlow holds the GIL for seconds while it imports, loads or traces a model;
in a worker *thread* that freezes the window. Heavy jobs therefore run in one
long-lived helper process (spawned on first use, TensorFlow imported there once),
driven from the job's worker thread:

    fn = remote(gui.engine_jobs.calibrate, model=..., ...)
    fn(progress)          # in a JobRunner worker thread: submits, relays progress, cancels

Progress comes back through a queue; ``progress.update`` in the worker thread raises
``Cancelled`` when the user cancels, which sets a shared event the child's progress
checks, so the engine stops at its next check and raises ``Cancelled`` there too.
Engine errors come back as :class:`RemoteJobError` with the child's traceback.
No Qt in this module (the child never imports Qt).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import multiprocessing as mp
import os
import queue
import sys
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from core.progress import Cancelled, Progress

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_progress_q = None
_cancel = None
_busy = threading.Lock()          # one job at a time in the helper process


class RemoteJobError(Exception):
    """An engine error raised in the helper process: message plus its traceback; ``user_error`` when
    the message says all the user needs (:func:`_is_user_error`): no traceback as its details."""

    def __init__(self, message: str, details: str = "", user_error: bool = False):
        super().__init__(message)
        self.details = details
        self.user_error = user_error

    def __reduce__(self):
        return (RemoteJobError, (str(self), self.details, self.user_error))


# ---- child side ----------------------------------------------------------------------------------
_child_q = None
_child_cancel = None


def _die_with_parent(parent_pid: int) -> None:
    """End this helper when the app's process dies, however it dies (SIGKILL included): the
    kernel's parent-death signal on Linux, and a watch of the parent pid everywhere (we are
    re-parented when it dies) that also covers a parent dying before the signal was armed."""
    import os
    import signal

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            PR_SET_PDEATHSIG = 1
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:
        os._exit(0)

    def watch():
        import time

        while True:
            time.sleep(0.5)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, name="qftune-parent-watch", daemon=True).start()


def _child_init(q, cancel, parent_pid: int | None = None) -> None:
    global _child_q, _child_cancel
    import os

    if parent_pid is not None:
        _die_with_parent(parent_pid)
    # Ctrl+C in the terminal reaches the whole process group: the window decides (it may ask about
    # unsaved edits, and it ends this helper when it quits). Dying here on its own would print a
    # KeyboardInterrupt traceback and break the pool under a window that may stay open.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from core.cli.quiet import QUIET_ENV, quiet_python_warnings

    if os.environ.get(QUIET_ENV):          # a quiet qftune: TF's Python warnings off here too (its C++ lines
        quiet_python_warnings()            # go through the parent's filtered descriptor 2)
    try:
        os.nice(_engine_niceness())    # the window's process gets the CPU first: the UI stays smooth on few cores
    except OSError:
        pass
    _child_q, _child_cancel = q, cancel


NICE_ENV = "QFTUNE_ENGINE_NICE"


def _engine_niceness() -> int:
    """How much the helper lowers its priority: 10, or QFTUNE_ENGINE_NICE (0 in the test suite, where two
    test workers share the cores and a niced helper would leave every GUI test waiting for it)."""
    import os
    import sys

    raw = os.environ.get(NICE_ENV, "").strip()
    if not raw:
        return 10
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= 19:
        print(f"qftune: {NICE_ENV}={raw!r} is not a niceness from 0 to 19; using 10", file=sys.stderr)
        return 10
    return value


class _ChildProgress(Progress):
    def __init__(self):
        super().__init__(lambda d, t, m: _child_q.put((float(d), float(t), str(m))))

    def check_cancelled(self) -> None:
        if _child_cancel.is_set():
            raise Cancelled("cancelled by the user")

    @property
    def cancelled(self) -> bool:
        return _child_cancel.is_set()


def _child_run(fn, kwargs):
    try:
        return fn(progress=_ChildProgress(), **kwargs)
    except Cancelled:
        raise Cancelled("cancelled by the user") from None
    except BaseException as exc:  # noqa: BLE001 - sent back as text, always picklable
        message = str(exc) or type(exc).__name__
        raise RemoteJobError(message, traceback.format_exc(), _is_user_error(exc)) from None


def _is_user_error(exc: BaseException) -> bool:
    """An output that cannot be written, data that does not fit the model: said in full by the message."""
    from core.outputs import OutputError, WriteError
    from core.workflows.simulate import DataMismatchError

    return isinstance(exc, (OutputError, WriteError, DataMismatchError, PermissionError))


# ---- parent side ---------------------------------------------------------------------------------
@contextlib.contextmanager
def _main_module_hidden():
    """Spawn re-imports the parent's ``__main__`` in the child (a test runner, a script);
    the helper needs none of it, so hide it while the child starts."""
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__}
    try:
        if main is not None:
            main.__dict__.pop("__file__", None)
            main.__spec__ = None
        yield
    finally:
        if main is not None:
            main.__dict__.update(saved)
            if "__spec__" not in saved:
                main.__dict__.pop("__spec__", None)


_spawner_stop: threading.Event | None = None


def _get_pool() -> ProcessPoolExecutor:
    global _pool, _progress_q, _cancel, _spawner_stop
    with _lock:
        if _pool is None:
            # glibc's malloc keeps one arena per thread that ever allocated (TensorFlow's pools: dozens), and
            # freed activations stay mapped in them: 2 arenas cut the engine's peak at 224 px by ~110 MB
            # (bench/bench_live_memory.py; set before the spawn, read by the child's libc)
            os.environ.setdefault("MALLOC_ARENA_MAX", "2")
            ctx = mp.get_context("spawn")
            _progress_q = ctx.Queue()
            _cancel = ctx.Event()
            pool = ProcessPoolExecutor(1, mp_context=ctx, initializer=_child_init,
                                       initargs=(_progress_q, _cancel, os.getpid()))
            # Linux sends the parent-death signal when the *thread* that forked the child ends,
            # so the helper is started from a thread that lives as long as the pool
            started, stop, failure = threading.Event(), threading.Event(), []

            def spawner():
                try:
                    with _main_module_hidden():
                        pool.submit(int).result()      # start the child now, with the main module hidden
                except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
                    failure.append(exc)
                started.set()
                stop.wait()

            threading.Thread(target=spawner, name="qftune-engine-parent", daemon=True).start()
            started.wait()
            if failure:
                stop.set()
                raise failure[0]
            _pool, _spawner_stop = pool, stop
        return _pool


def warm_up() -> None:
    """Start the helper and import TensorFlow there (call from a worker thread)."""
    _get_pool().submit(_import_engine).result()


def _import_engine() -> None:
    import tensorflow  # noqa: F401


def warm_up_in_background(on_error=None) -> threading.Thread:
    """Start the helper and its TensorFlow import on a daemon thread, so the first job
    does not wait for it. The helper is niced, so the window keeps the CPU."""

    def run():
        try:
            warm_up()
        except BaseException as exc:  # noqa: BLE001 - a failed warm-up only means the first job starts it
            if on_error is not None:
                on_error(exc)

    t = threading.Thread(target=run, name="qftune-engine-warm-up", daemon=True)
    t.start()
    return t


def is_warm() -> bool:
    """True once the helper process runs (TensorFlow may still be importing there)."""
    return _pool is not None


def shutdown(kill: bool = False) -> None:
    """Stop the helper process (at exit). ``kill`` also ends a job or warm-up still
    running there, so quitting right after start-up does not wait for TF's import."""
    global _pool
    manager = None
    with _lock:
        if _pool is not None:
            manager = getattr(_pool, "_executor_manager_thread", None)
            if kill:
                for proc in list((getattr(_pool, "_processes", None) or {}).values()):
                    proc.terminate()
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
            if _spawner_stop is not None:
                _spawner_stop.set()
    if kill and manager is not None and manager is not threading.current_thread():
        # Let the executor's manager thread see its ended helper and close its wake-up pipe now.
        # Python 3.11's exit hook (concurrent.futures.process._python_exit) writes to that pipe
        # without the executor's lock: if the thread closes it at the same moment, the interpreter
        # prints an 'OSError: Bad file descriptor' traceback as the window quits.
        manager.join(5.0)


def stop(grace_s: float = 2.0) -> None:
    """Stop the helper and wait for it: at exit, and at the end of a test session (whose
    fixtures stop it before interpreter shutdown, so no test waits on atexit). The helper holds
    its own copies of the queues' write ends, so it never sees EOF: if the executor's sentinel
    does not reach it, it would outlive us as an orphan (holding our stdout). Give it
    ``grace_s`` to stop, then end it."""
    pool = _pool
    procs = list((getattr(pool, "_processes", None) or {}).values()) if pool is not None else []
    shutdown()
    for proc in procs:
        proc.join(grace_s)
        if proc.is_alive():
            proc.terminate()
            proc.join(grace_s)


atexit.register(stop)


def _drain(progress: Progress) -> None:
    while True:
        try:
            d, t, m = _progress_q.get_nowait()
        except queue.Empty:
            return
        progress.update(d, t, m)


def run_remote(fn, kwargs: dict, progress: Progress):
    """Run ``fn(progress=..., **kwargs)`` in the helper process; blocks the calling (worker) thread."""
    global _pool
    with _busy:
        pool = _get_pool()
        _cancel.clear()
        _drain(Progress())                    # drop stale messages of an earlier job
        try:
            future = pool.submit(_child_run, fn, kwargs)
        except (BrokenProcessPool, RuntimeError):
            shutdown()
            pool = _get_pool()
            future = pool.submit(_child_run, fn, kwargs)
        cancelling = False
        while True:
            try:
                result = future.result(timeout=0.05)
                _drain(Progress())
                return result
            except TimeoutError:
                pass
            except BrokenProcessPool as exc:
                shutdown()
                raise RuntimeError(f"the engine process died while running the job ({exc}); try again") from None
            try:
                if cancelling:
                    progress.check_cancelled()
                else:
                    _drain(progress)
                    progress.check_cancelled()
            except Cancelled:
                cancelling = True
                _cancel.set()                 # the child stops at its next check and raises Cancelled


def remote(fn, **kwargs):
    """A job callable ``job(progress)`` that runs ``fn`` in the helper process."""
    return functools.partial(_remote_job, fn, kwargs)


def _remote_job(fn, kwargs, progress):
    return run_remote(fn, kwargs, progress)
