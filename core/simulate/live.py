"""The live set: a fixed held-out subset of a session's data, re-scored through the simulation
after every range edit, recomputing only from the first tensor the edit touches.

The input batches are decoded once (the model input, convention applied). After every pass,
each segment's output (:class:`core.simulate.model.SimulatedModel` cuts the graph between blocks)
is kept for every batch: these are the *simulated* activations at the cut points, the values the
int8 model carries there, which an edit further down cannot change. An edit of tensor T re-runs
the segments from T's onward on those cached values. The float model's output on the same images
(computed once) is the reference for agreement and SQNR. Cached cuts are held within
:data:`CACHE_BUDGET` (deepest first); an edit above an uncached cut starts from the cut before it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..progress import NULL_PROGRESS, Progress

LIVE_BATCH = 100
CACHE_BUDGET = 192 * 2**20   # bytes of cached cut-point activations; the deepest cuts are kept first
# (a cut on a plan tensor's FakeQuant is kept as uint8 grid indices: at 224 px 413 MB of float32 became 103 MB)


def default_live_size(image_size: int) -> int:
    """500 images for inputs up to 64 px, 100 above (224 px ImageNet models)."""
    return 500 if image_size <= 64 else 100


def live_batch(image_size: int) -> int:
    """Images per batch of the live set: 100 up to 64 px; 10 at 224 px, so that a superseded
    computation (checked between batches and segments) stops sooner and a segment's activations of
    one batch stay small (measured with bench/bench_live_gui.py --model-224)."""
    return LIVE_BATCH if image_size <= 64 else 10


def wilson_interval(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion ``hits / n``."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = hits / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


def sqnr_db(reference: np.ndarray, value: np.ndarray) -> float:
    """10 log10(signal / noise) of ``value`` against ``reference``; inf when they are equal."""
    ref = np.asarray(reference, np.float64)
    noise = float(np.sum((ref - np.asarray(value, np.float64)) ** 2))
    signal = float(np.sum(ref ** 2))
    return float("inf") if noise == 0 else 10.0 * math.log10(max(signal, 1e-300) / noise)


@dataclass
class LiveFigures:
    """What one edit's re-scoring shows: agreement with float, accuracy with its interval, output SQNR."""

    n_images: int
    agreement: float                 # fraction with the float model's top-1
    sqnr_db: float                   # of the output scores against float
    top1: float | None = None        # against the labels (None without labels)
    top1_low: float | None = None    # 95 % Wilson interval of top1
    top1_high: float | None = None
    float_top1: float | None = None
    within_noise: bool | None = None  # the float top-1 lies inside the interval
    seconds: float = 0.0
    recomputed_from: str = ""        # the first segment re-run ("" when nothing changed)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class LiveSet:
    """``images`` (float32 model inputs, convention applied) and ``labels`` (or None), scored through
    ``sim`` (:class:`~core.simulate.model.SimulatedModel`) against ``float_fn`` (the float model)."""

    def __init__(self, sim, images: np.ndarray, labels: np.ndarray | None, float_fn,
                 batch_size: int = LIVE_BATCH, progress: Progress = NULL_PROGRESS, cache_budget: int = CACHE_BUDGET):
        import tensorflow as tf

        self.sim = sim
        self.labels = None if labels is None else np.asarray(labels, np.int64)
        self._inputs = [tf.constant(images[i:i + batch_size]) for i in range(0, len(images), batch_size)]
        self.n_images = len(images)
        self.float_scores = np.concatenate([np.asarray(float_fn(b)) for b in self._inputs])
        self.float_pred = _top1(self.float_scores)
        self._cache: list[list] = [[None] * len(self._inputs) for _ in sim.segments]
        self._kept = _kept_cuts(sim, self.n_images, cache_budget)
        self._stale = 0            # first segment whose cache does not hold the current ranges
        self.figures: LiveFigures | None = None
        self.scores: np.ndarray | None = None   # the simulated output for the current ranges
        self.score(progress=progress)

    def edit(self, ranges: dict, progress: Progress = NULL_PROGRESS, weight_plan=None) -> LiveFigures:
        """Put the plan's ``ranges`` (and its kernel entries ``weight_plan``, when given) into the
        simulation and re-score (only what they change)."""
        changed = self.sim.set_ranges(ranges)
        if changed:
            self._stale = min(self._stale, min(self.sim.segment_of(n) for n in changed))
        if weight_plan is not None:
            layers = self.sim.set_weight_plan(weight_plan)
            if layers:
                self._stale = min(self._stale, min(self.sim.segment_of_layer(n) for n in layers))
        return self.score(progress=progress)

    def edit_kernels(self, weight_plan, progress: Progress = NULL_PROGRESS) -> LiveFigures:
        """Put ``weight_plan``'s kernel entries into the simulation and re-score (only from the first
        layer whose kernel quantization changed)."""
        changed = self.sim.set_weight_plan(weight_plan)
        if changed:
            self._stale = min(self._stale, min(self.sim.segment_of_layer(n) for n in changed))
        return self.score(progress=progress)

    def score(self, progress: Progress = NULL_PROGRESS) -> LiveFigures:
        """The figures for the simulation's current ranges; a cancelled call leaves the caches
        consistent (the next call recomputes what it did not finish)."""
        n_seg = len(self.sim.segments)
        if self._stale >= n_seg and self.figures is not None:
            return self.figures
        t0 = time.perf_counter()
        start = self._stale
        while start > 0 and not self._kept[start - 1]:   # its input was not kept: from the last cut that was
            start -= 1
        total, done = len(self._inputs), 0
        for b in range(len(self._inputs)):
            x = self._inputs[b] if start == 0 else self.sim.unpack_cut(start - 1, self._cache[start - 1][b])
            for k in range(start, n_seg):
                progress.check_cancelled()        # cancelled: _stale still says where to start again
                x = self.sim.run_segment(k, x)
                if self._kept[k]:
                    self._cache[k][b] = x if k == n_seg - 1 else self.sim.pack_cut(k, x)
            done += 1
            progress.update(done, total, f"from {self.sim.describe_segment(start)}")
        self._stale = n_seg
        self.scores = np.concatenate([np.asarray(c) for c in self._cache[-1]])
        self.figures = self._figures(self.scores, time.perf_counter() - t0, self.sim.describe_segment(start))
        return self.figures

    def _figures(self, scores: np.ndarray, seconds: float, where: str) -> LiveFigures:
        pred = _top1(scores)
        f = LiveFigures(self.n_images, float(np.mean(pred == self.float_pred)),
                        sqnr_db(self.float_scores, scores), seconds=seconds, recomputed_from=where)
        if self.labels is not None:
            hits = int(np.sum(pred == self.labels))
            f.top1 = hits / self.n_images
            f.top1_low, f.top1_high = wilson_interval(hits, self.n_images)
            f.float_top1 = float(np.mean(self.float_pred == self.labels))
            f.within_noise = bool(f.top1_low <= f.float_top1 <= f.top1_high)
        return f

    @property
    def inputs(self) -> list:
        """The live set's input batches (float32 model inputs, convention applied)."""
        return list(self._inputs)

    @property
    def cached_bytes(self) -> int:
        return int(sum(getattr(c, "nbytes", None) or int(np.prod(c.shape)) * 4
                       for seg in self._cache for c in seg if c is not None))


def _kept_cuts(sim, n_images: int, budget: int) -> list[bool]:
    """Which segments' outputs the live set keeps: the deepest cut points first (the cheapest to
    hold and the most edits start below them) while they fit ``budget`` bytes; the output always."""
    kept = [False] * len(sim.segments)
    kept[-1] = True
    used = 0
    for k in range(len(sim.segments) - 2, -1, -1):
        size = n_images * sim.cut_bytes(k) * int(np.prod(sim.segment_output_shape(k)))
        if used + size <= budget:
            kept[k], used = True, used + size
    return kept


def _top1(scores: np.ndarray) -> np.ndarray:
    """The predicted class, ties to the lowest index (as :mod:`core.evaluate` ranks a LiteRT output)."""
    return np.argmax(np.asarray(scores).reshape(len(scores), -1), axis=1)
