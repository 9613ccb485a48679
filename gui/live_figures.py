"""The live figures of the open session (issue 21): after every edit, the plan re-scored through a
warm simulated int8 model in the engine process, kept per undo step.

:class:`LiveFigures` owns a :class:`gui.jobs.JobRunner` of its own (like the weights cache), so its
engine calls never block or refuse the user's jobs. After a session opens it builds the live set
(:func:`gui.engine_live.live_open`: a held-out subset of the session's data) in the background;
after every change of the undo stack's index (an edit, reset, accept, weight clip, undo, redo) it
sends the plan's ranges and kernel entries (:func:`gui.engine_live.live_edit`). One computation
runs at a time: a newer edit cancels the running one, and only the newest state is computed next.
A user's job (export, evaluate...) has the engine first: a live computation yields to it and
resumes when it ends. Figures are kept per undo step (on its command; the base state apart), so an
undo or redo back to a scored step shows its figures at once.

After an Export (:meth:`LiveFigures.check_export`) the engine measures the live simulation against the
exported .tflite on the live set (:func:`gui.engine_live.live_check`); the result (``export_check``)
stays until the next export checks again: below ``tolerance`` the panel warns with the figure.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QObject, QTimer, Signal

from .jobs import JobRunner

BUILD_DELAY_MS = 800     # a session shown and left at once (or replaced) costs the engine nothing


class LiveFigures(QObject):
    changed = Signal()            # status, figures or the history changed

    def __init__(self, state, app_runner: JobRunner | None = None, n_images: int | None = None, parent=None):
        super().__init__(parent)
        self.state = state
        self.n_images = n_images          # None: the engine's default for the input size (500 up to 64 px)
        self.data: str | None = None      # a spec the user chose instead of the session's own
        self.class_map: str | None = None  # a --class-map file naming the model's outputs
        self.runner = JobRunner(self)
        self.runner.finished.connect(self._job_ended)
        self.app_runner = app_runner
        if app_runner is not None:
            app_runner.started.connect(lambda _job: self._yield_to_user_job())
            app_runner.finished.connect(lambda _job: self._kick())
        self.status = "idle"              # idle, building, computing, ready, no-data, refused, error
        self.message = ""
        self.info: dict = {}              # spec, n_images, segments of the built live set
        self.figures: dict | None = None  # the figures shown (of the current step, or the last known)
        self.pending = False              # the shown figures are not the current step's
        self._key: str | None = None      # the live set in the engine, once built
        self._want_build = False
        self._base: dict | None = None    # figures of undo step 0 (the session as opened)
        self._closed = False
        self.enabled = True               # False: no live set is built (tests not about the live figures)
        self.export_check: dict | None = None   # the last export's agreement with the simulation
        self.tolerance: float | None = None     # None: core.simulate.check.TOLERANCE
        self._want_check: dict | None = None    # an export waiting to be checked
        self._build_timer = QTimer(self)
        self._build_timer.setSingleShot(True)
        self._build_timer.timeout.connect(self._kick)
        state.sessionChanged.connect(self._session_changed)
        state.undo_stack.indexChanged.connect(lambda _i: self._edited())

    # ---- per-step figures ------------------------------------------------------------------------
    def _step(self):
        """The current undo step: its command, or None for the session as opened."""
        stack = self.state.undo_stack
        return stack.command(stack.index() - 1) if stack.index() > 0 else None

    def step_figures(self, index: int) -> dict | None:
        """The figures of undo step ``index`` (0: as opened), or None when never scored."""
        if index == 0:
            return self._base
        cmd = self.state.undo_stack.command(index - 1)
        return getattr(cmd, "live_figures", None) if cmd is not None else None

    def _store(self, step, figures: dict) -> None:
        if step is None:
            self._base = figures
        else:
            step.live_figures = figures

    def history(self) -> list[dict | None]:
        """Figures for every undo step 0..count (None where not scored)."""
        return [self.step_figures(i) for i in range(self.state.undo_stack.count() + 1)]

    # ---- events ----------------------------------------------------------------------------------
    def _session_changed(self) -> None:
        self._key, self._base, self.figures, self.info = None, None, None, {}
        self.pending, self.export_check, self._want_check = False, None, None
        if self.runner.current is not None:
            self.runner.current.cancel()
        if self.state.session is None or not self.enabled:
            self._set("idle", "")
            return
        self._want_build = True
        self._set("building", "building the live set…")
        self._build_timer.start(BUILD_DELAY_MS)

    def rebuild(self, data: str | None = None, n_images: int | None = None, class_map: str | None = None) -> None:
        """Build the live set again, on ``data`` (a spec), ``n_images`` and/or ``class_map`` (a
        ``--class-map`` file; '' for none) when given."""
        if data is not None:
            self.data = data or None
        if class_map is not None:
            self.class_map = class_map or None
        if n_images is not None:
            self.n_images = n_images or None
        self._session_changed()

    def _edited(self) -> None:
        if self.state.session is None or self._closed or not self.enabled:
            return
        known = self.step_figures(self.state.undo_stack.index())
        if known is not None:           # an undo/redo back to a scored step: its figures, at once
            self.figures, self.pending = known, False
            self.changed.emit()
        else:
            self.pending = True
            self.changed.emit()
        if self.runner.current is not None and getattr(self.runner.current, "live_kind", "") == "edit":
            self.runner.current.cancel()       # superseded; the newest state is computed when it ends
        self._kick()

    def _yield_to_user_job(self) -> None:
        if self.runner.current is not None:
            self.runner.current.cancel()

    def _job_ended(self, job) -> None:
        if getattr(job, "live_kind", "") == "check":
            QTimer.singleShot(0, self, self.changed.emit)   # "checking…" ends with the job
        QTimer.singleShot(0, self, self._kick)

    # ---- engine calls ----------------------------------------------------------------------------
    def _kick(self) -> None:
        """Start what is wanted next (a build, or scoring the current step) if the engine is free."""
        if self._closed or self.runner.busy or self.state.session is None:
            return
        if self.app_runner is not None and self.app_runner.busy:
            return                               # the user's job first; resumed when it ends
        if self._want_build:
            if not self._build_timer.isActive():
                self._start_build()
            return
        if self._key is None:
            return
        if self._want_check is not None:
            self._start_check()
        elif self.pending:
            self._start_edit()

    def _snapshot(self):
        from core.plan.weight_entry import WeightPlan

        plan = self.state.plan
        return plan.ranges(), WeightPlan.of(plan)

    def _start_build(self) -> None:
        from core.models.convention import resolve_convention

        from . import engine_live
        from .engine_process import remote

        session = self.state.session
        if not session.model_path:
            self._want_build = False
            self._set("error", "the session records no model file: no live figures")
            return
        key, step = uuid.uuid4().hex, self._step()
        ranges, weight_plan = self._snapshot()
        fn = remote(engine_live.live_open, key=key, model_path=str(session.model_path),
                    tensors=list(self.state.plan.tensors), ranges=ranges, weight_plan=weight_plan,
                    convention=resolve_convention(session=session).to_dict(),
                    calibration=dict(session.calibration or {}), n_images=self.n_images, data=self.data,
                    class_map=self.class_map)
        self._want_build = False
        self._set("building", "building the live set…")
        job = self.runner.start("Building the live set", fn,
                                lambda r: self._built(session, key, step, r), lambda m, _d: self._failed(session, m))
        job.live_kind = "build"
        job.ended.connect(lambda status, s=session: self._build_ended(s, status))

    def _build_ended(self, session, status: str) -> None:
        if status == "cancelled" and session is self.state.session and self._key is None:
            self._want_build = True          # yielded to a user's job (or superseded): build again

    def _built(self, session, key: str, step, result: dict) -> None:
        if session is not self.state.session:
            return
        if "error" in result:
            self._set(result["error"], result["message"])
            return
        self._key, self.info = key, {k: result[k] for k in ("spec", "n_images", "segments")}
        self._scored(step, result["figures"])

    def _start_edit(self) -> None:
        from . import engine_live
        from .engine_process import remote

        step, session = self._step(), self.state.session
        ranges, weight_plan = self._snapshot()
        fn = remote(engine_live.live_edit, key=self._key, ranges=ranges, weight_plan=weight_plan)
        self.pending = True
        self._set("computing", "re-scoring…")
        job = self.runner.start("Re-scoring the live set", fn,
                                lambda r: self._scored(step, r) if session is self.state.session else None,
                                lambda m, _d: self._failed(session, m))
        job.live_kind = "edit"

    def check_export(self, report) -> None:
        """Measure the export ``report`` (:meth:`core.export.report.ExportReport.to_dict`) against the simulation
        at its ranges, once the engine is free (after the live set is built)."""
        if self.state.session is None or not self.enabled or self._closed:
            return
        from core.plan.weight_entry import WeightPlan

        ranges = {t["name"]: (t["min"], t["max"]) for t in report["tensors"]}
        self._want_check = {"tflite": str(report["path"]), "ranges": ranges, "weights": report["weights"],
                            "weight_plan": WeightPlan.of(self.state.plan)}
        self.changed.emit()
        self._kick()

    @property
    def checking(self) -> bool:
        """An export is waiting for its check or being checked."""
        return self._want_check is not None or getattr(self.runner.current, "live_kind", "") == "check"

    def _start_check(self) -> None:
        from . import engine_live
        from .engine_process import remote

        want, session, self._want_check = self._want_check, self.state.session, None
        fn = remote(engine_live.live_check, key=self._key, tolerance=self.tolerance, **want)
        job = self.runner.start("Checking the export against the simulation", fn,
                                lambda r: self._checked(session, r),
                                lambda m, _d: self._checked(session, {"error": m, "path": want["tflite"]}))
        job.live_kind = "check"
        job.ended.connect(lambda status, w=want, s=session: self._check_ended(s, w, status))

    def _check_ended(self, session, want: dict, status: str) -> None:
        if status == "cancelled" and session is self.state.session and self._want_check is None:
            self._want_check = want      # yielded to a user's job: check again when it ends

    def _checked(self, session, result: dict) -> None:
        if session is self.state.session:
            self.export_check = result
        self.changed.emit()

    def _scored(self, step, figures: dict) -> None:
        self._store(step, figures)
        if step is self._step():
            self.figures, self.pending = figures, False
            self._set("ready", "")
        else:
            self.changed.emit()

    def _failed(self, session, message: str) -> None:
        if session is self.state.session:
            self._set("error", message)

    def _set(self, status: str, message: str) -> None:
        self.status, self.message = status, message
        self.changed.emit()

    def shutdown(self) -> None:
        """Stop (the window closes): the running computation is cancelled, nothing new starts."""
        self._closed = True
        self._build_timer.stop()
        if self.runner.current is not None:
            self.runner.current.cancel()
