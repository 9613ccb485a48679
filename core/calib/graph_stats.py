"""Calibration statistics computed inside the TF graph: no activation leaves TensorFlow.

One ``tf.function`` runs the multi-output stats model and returns, for every
tensor, only its batch min, max and the ``bins`` counts of the batch on the range
the tensor's :class:`Histogram` will have after this batch.
That range is computed in the graph with exactly the float64 arithmetic of
:meth:`Histogram._cover` (same operations, same order, IEEE double), and the bin
index with exactly the float32 arithmetic of :meth:`Histogram.update`, so the
counts equal the numpy path's bit for bit. The numpy side stays authoritative:
:meth:`Histogram.add_binned` grows the range itself and accepts the counts only
if the graph's range is identical; otherwise the batch is recounted in the graph
against the histogram's own range (which then needs no growth). A NaN/Inf
(non-finite min/max: TF's CPU Min/Max propagate NaN) or a count that does not add
up sends that tensor's batch through the numpy path, which names the tensor and
batch in its error (or counts it exactly when nothing is wrong).

Cost per value: min, max, subtract (skipped where the grid starts at 0), multiply,
cast and one scatter-add (DenseBincount, which also refuses a negative index, e.g.
a NaN cast); the clip of the numpy path is replaced by one spare bin folded into
the last (same counts). On the bundled width-0.5 model this is ~2.2x a plain
float forward pass at load ~2 on 2 cores (bench/bench_calibration.py), against
~3.2x for copying every activation to numpy; min/max and the scatter-add
dominate and have no cheaper exact TF op.

The graph takes the per-tensor ranges as inputs and has no fixed batch size, so
it is traced once per (model, tensors, bins) and a short last batch is not padded.
"""

from __future__ import annotations

import weakref

import numpy as np

_GROWTH_STEPS = 4   # unrolled iterations of _cover's ``while`` (it needs at most one in practice; checked in numpy)
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cover_tf(tf, lo, width, empty, vmin, vmax, nb):
    """Vectorised :meth:`Histogram._cover`: the (lo, width) after covering [vmin, vmax] and 0.

    ``nb`` (the bin count, float64) is a graph *input*: with a constant, Grappler turns
    ``span / nb`` into ``span * (1 / nb)``, which differs in the last bit unless nb is a power of 2.
    """
    f64 = tf.float64
    zero = tf.zeros_like(vmin)
    vmin, vmax = tf.minimum(vmin, zero), tf.maximum(vmax, zero)
    # empty histogram: the batch's own range
    span = vmax - vmin
    first_width = tf.where(span > 0, span / nb, tf.constant(1e-12, f64))
    # non-empty: grow by whole bins on the left and an integer factor of the width
    w = tf.where(empty, tf.ones_like(width), width)       # avoid 0-division on the unused branch
    hi = lo + nb * w
    inside = (vmin >= lo) & (vmax <= hi)
    shift = tf.maximum(zero, tf.math.ceil((lo - vmin) / w))
    new_lo = lo - shift * w
    top = tf.maximum(vmax, hi)
    factor = tf.maximum(tf.ones_like(w), tf.math.ceil((top - new_lo) / (nb * w)))
    for _ in range(_GROWTH_STEPS):
        factor = tf.where(new_lo + (nb * factor) * w < top, factor + 1, factor)
    factor = tf.maximum(factor, tf.math.ceil((shift + nb) / nb))
    grown_lo = tf.where(inside, lo, new_lo)
    grown_width = tf.where(inside, w, w * factor)
    return tf.where(empty, vmin, grown_lo), tf.where(empty, first_width, grown_width)


class GraphStats:
    """The compiled per-batch statistics step for one model, tensor list and bin count."""

    def __init__(self, model, tensors, probe, bins: int, with_activations: bool = False):
        import tensorflow as tf

        self.bins = int(bins)
        self.names = [t.name for t in tensors]
        self.is_input = [t.op == "INPUT" for t in tensors]
        # values never negative (ReLU/ReLU6 outputs): the grid starts at 0, so the subtraction of lo is
        # skipped (x - 0 == x); checked per batch, a non-zero lo goes to numpy. Not the model input: its
        # range is the input convention's ([-1, 1] for keras.applications MobileNets), and a [-1, 1] input
        # taken for [0, 1] sent every batch through the numpy path, a second forward pass (3x slower)
        self.from_zero = np.array([t.op != "INPUT" and t.activation in ("relu", "relu6") for t in tensors])
        self.traces = 0
        k = len(tensors)
        input_shape = tuple(model.input_shape)
        bins_ = self.bins

        def step(x, lo, width, empty, nb):
            self.traces += 1                 # Python side effect: runs only while tracing
            outs = probe(x, training=False)
            if not isinstance(outs, (list, tuple)):
                outs = [outs]
            outs = iter(outs)
            acts = [x if inp else next(outs) for inp in self.is_input]
            flat = [tf.reshape(a, [-1]) for a in acts]
            # CPU Min/Max propagate NaN (TF >= 2.4), so a NaN/Inf anywhere shows in vmin/vmax
            if all(a.dtype == tf.float32 for a in flat):      # one cast for all (fewer small ops)
                vmin = tf.cast(tf.stack([tf.reduce_min(a) for a in flat]), tf.float64)
                vmax = tf.cast(tf.stack([tf.reduce_max(a) for a in flat]), tf.float64)
            else:
                vmin = tf.stack([tf.cast(tf.reduce_min(a), tf.float64) for a in flat])
                vmax = tf.stack([tf.cast(tf.reduce_max(a), tf.float64) for a in flat])
            finite = tf.math.is_finite(vmin) & tf.math.is_finite(vmax)
            zero = tf.zeros_like(vmin)
            new_lo, new_width = _cover_tf(tf, lo, width, empty, tf.where(finite, vmin, zero),
                                          tf.where(finite, vmax, zero), nb)
            inv = 1.0 / new_width
            lo32, inv32 = tf.unstack(tf.cast(new_lo, tf.float32)), tf.unstack(tf.cast(inv, tf.float32))
            no_weights = tf.zeros([0], tf.int32)
            counts = []
            for i, a in enumerate(flat):
                if a.dtype == tf.float32 and self.from_zero[i]:
                    u = a * inv32[i]
                elif a.dtype == tf.float32:  # as Histogram.update: float32 arithmetic for float32 activations
                    u = (a - lo32[i]) * inv32[i]
                else:
                    u = (tf.cast(a, tf.float64) - new_lo[i]) * inv[i]
                # no clip: u lies in (-1, bins + 1) on a covering range, truncation sends (-1, 0) to 0 like
                # the clip does, and the one extra bin (u in [bins, bins + 1)) is folded into the last one
                # in numpy; anything else would change the total, which the caller checks
                idx = tf.cast(u, tf.int32)
                counts.append(tf.raw_ops.DenseBincount(input=idx, size=bins_ + 1, weights=no_weights,
                                                       binary_output=False))
            per_row = [a.shape[1:].num_elements() for a in acts]
            if None in per_row:
                sizes = tf.stack([tf.size(a, out_type=tf.int64) for a in flat])
            else:
                sizes = tf.cast(tf.shape(x)[0], tf.int64) * tf.constant(per_row, tf.int64)
            if with_activations:   # for tests: the very values binned (a forward pass is not bit-reproducible)
                return vmin, vmax, tf.stack(counts), new_lo, new_width, sizes, flat
            return vmin, vmax, tf.stack(counts), new_lo, new_width, sizes

        signature = [tf.TensorSpec((None,) + input_shape[1:], tf.float32, name="images"),
                     tf.TensorSpec((k,), tf.float64, name="lo"),
                     tf.TensorSpec((k,), tf.float64, name="width"),
                     tf.TensorSpec((k,), tf.bool, name="empty"),
                     tf.TensorSpec((), tf.float64, name="bins")]
        self._step = tf.function(step, input_signature=signature, autograph=False)

    def __call__(self, x: np.ndarray, hists: list):
        """Run one batch (any size: the graph has a free batch dimension, so nothing is padded)
        against the ranges of ``hists``.

        Returns numpy ``(vmin, vmax, counts, lo, width, complete)``, one row per tensor,
        with ``counts[i]`` the batch binned on ``lo[i] + j * width[i]`` and ``complete[i]``
        true when every value was counted; or ``None`` when the graph refused the batch
        (a negative bin index, e.g. from NaN), so the caller uses the numpy path.
        """
        import tensorflow as tf

        lo = np.array([h.lo for h in hists], np.float64)
        width = np.array([h.width for h in hists], np.float64)
        empty = np.array([h.empty for h in hists], bool)
        try:
            out = self._step(x, lo, width, empty, np.float64(self.bins))
            vmin, vmax, counts, new_lo, new_width, sizes = (o.numpy() for o in out[:6])
        except tf.errors.InvalidArgumentError:   # a negative bin index (NaN cast): the numpy path names it
            return None
        counts = counts.astype(np.float64)
        counts[:, self.bins - 1] += counts[:, self.bins]
        counts = counts[:, :self.bins]
        complete = counts.sum(axis=1) == sizes   # False: a value fell off the grid (or was NaN/Inf)
        complete &= ~self.from_zero | (new_lo.astype(np.float32) == 0)   # the skipped subtraction was exact
        if len(out) > 6:
            return vmin, vmax, counts, new_lo, new_width, complete, [a.numpy() for a in out[6]]
        return vmin, vmax, counts, new_lo, new_width, complete


def graph_stats(model, tensors, probe, bins: int) -> GraphStats:
    """The cached :class:`GraphStats` of ``model`` (tracing it costs more than a pass over 100 images)."""
    key = (tuple((t.name, t.op, t.output_layer) for t in tensors), int(bins), id(probe))
    cached = _CACHE.get(model)
    if cached is not None and cached[0] == key:
        return cached[1]
    gs = GraphStats(model, tensors, probe, bins)
    _CACHE[model] = (key, gs)
    return gs


__all__ = ["GraphStats", "graph_stats"]
