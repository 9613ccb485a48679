"""The folded kernels of the models the views show, read once per model file in the engine process.

The weight view needs ``core.weights.model_weights`` of the session's model, which loads the
model with TensorFlow: that runs in the engine helper (:mod:`gui.engine_process`) through a
:class:`gui.jobs.JobRunner` of its own, so reading weights never blocks or refuses the user's
jobs (the helper runs one call at a time; a weights read waits for a running job, and the
other way round). Results are kept per model file (path, size, modification time).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from core.weights import LayerWeights

from .jobs import JobRunner


def model_key(model_path: str) -> tuple:
    """The cache key of a model file: resolved path, size and modification time (a rewritten
    file is read again)."""
    p = Path(model_path)
    st = p.stat()
    return str(p.resolve()), st.st_size, st.st_mtime_ns


class WeightsCache(QObject):
    ready = Signal(str)            # model path: its weights (or its error) are known
    started = Signal(str)          # model path: reading began

    def __init__(self, parent=None):
        super().__init__(parent)
        self.runner = JobRunner(self)
        self._done: dict[tuple, dict[str, LayerWeights]] = {}
        self._errors: dict[tuple, str] = {}
        self._queue: list[str] = []
        self._closed = False
        self.runner.finished.connect(lambda _job: self._next())

    @property
    def busy(self) -> bool:
        return self.runner.busy or bool(self._queue)

    def get(self, model_path: str | None) -> dict[str, LayerWeights] | None:
        key = self._key(model_path)
        return None if key is None else self._done.get(key)

    def error(self, model_path: str | None) -> str | None:
        """Why ``model_path``'s weights are unavailable (missing file, engine error), else None."""
        if not model_path:
            return "the session records no model file"
        key = self._key(model_path)
        if key is None:
            return f"the model file {model_path} does not exist"
        return self._errors.get(key)

    def request(self, model_path: str | None) -> None:
        """Read ``model_path``'s weights unless known or queued; ``ready`` is emitted when they are."""
        key = self._key(model_path)
        if key is None or key in self._done or key in self._errors:
            if model_path:
                self.ready.emit(model_path)
            return
        if model_path not in self._queue and not self._running(model_path):
            self._queue.append(model_path)
        self._next()

    def shutdown(self) -> None:
        """Stop reading (on quit or close): the queue is dropped and the running read cancelled,
        without waiting for it. Its thread outlives this object safely (:data:`gui.jobs._ALIVE`);
        the engine helper is killed at exit, which ends it (``gui.app.main``)."""
        self._closed = True
        self._queue.clear()
        if self.runner.current is not None:
            self.runner.current.cancel()

    # ----------------------------------------------------------------------------------------
    @staticmethod
    def _key(model_path):
        try:
            return model_key(model_path) if model_path else None
        except OSError:
            return None

    def _running(self, model_path: str) -> bool:
        job = self.runner.current
        return job is not None and getattr(job, "model_path", None) == model_path

    def _next(self) -> None:
        if self._closed or self.runner.busy or not self._queue:
            return
        from . import engine_jobs
        from .engine_process import remote

        path = self._queue.pop(0)
        key = self._key(path)
        if key is None:
            self.ready.emit(path)
            return

        def done(result):
            self._done[key] = {name: LayerWeights.from_dict(d) for name, d in result.items()}
            self.ready.emit(path)

        def failed(message, _details):
            self._errors[key] = message
            self.ready.emit(path)

        job = self.runner.start(f"Reading weights of {Path(path).name}",
                                remote(engine_jobs.model_weights, model_path=str(path)), done, failed)
        job.model_path = path
        self.started.emit(path)
