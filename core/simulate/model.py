"""The simulated int8 model: the export's fake-quant graph with its ranges in variables.

The graph is the export's own (:func:`core.export.graph.node_step`: BatchNorm folded, the same
layer computations); only the two hooks differ. Every plan tensor gets
``fake_quant_with_min_max_vars`` with its plan range nudged exactly as the export nudges it
(:func:`core.export.export.expected_params`, i.e. :func:`core.quant.grid.nudge`), held in a
``tf.Variable`` pair, so :meth:`SimulatedModel.set_ranges` changes the model in place and
nothing is traced again. Each kernel is fake-quantized once, eagerly, with the export's op and
the range of :func:`core.export.graph.kernel_range` (``weight_params``: the one function a
layer's weight quantization parameters come from), and kept in a variable too. Convolutions,
dense layers and residual adds between 8-bit tensors are computed on their integers as LiteRT's
default kernels (XNNPACK) compute them (:mod:`core.simulate.integer`, :meth:`SimulatedModel.step_fn`):
the simulation's output equals the exported model's, value for value, on the bundled models and on
keras.applications MobileNetV2 at 224 px (bench/bench_live.py); in float with FakeQuant alone, top-1
agreed on 99.75-100 % and 89-94 % there. Other ops (and 16-bit or float regions) keep the FakeQuant
graph, their biases rounded to the int32 grid (input scale x weight scale, in the graph).

The graph is cut into *segments* at the points where a single tensor carries everything the
rest of the network needs (between MobileNet blocks; a residual block is never cut inside),
each its own ``tf.function`` traced once. :mod:`core.simulate.live` caches each segment's
output, so an edit recomputes only from the segment holding the first tensor it touches.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..export.export import check_plan_matches_model, expected_params
from ..export.graph import fq_kernel_with, input_layer_name, kernel_range, node_step, rescale_kernel
from ..keras_graph import walk_nodes
from ..plan.precision import float_layers, float_region, int16_layers
from ..quant.granularity import GRANULARITIES
from .integer import integer_ops, integer_step

_BUILDS = itertools.count()     # a unique name per built segment function (see _segment_fn)


def _node_inputs(node) -> list[int]:
    return [id(t) for t in node.arguments.keras_tensors]


MAX_SEGMENTS = 16   # each cut caches one tensor of the live set: a few, placed by compute


def cut_points(model, nodes) -> list[int]:
    """Indices ``i`` of ``nodes`` after which only node ``i``'s output is still needed."""
    last_use: dict[int, int] = {}
    for i, node in enumerate(nodes):
        for t in _node_inputs(node):
            last_use[t] = i
    final = id(model.outputs[0])
    last_use[final] = len(nodes)
    live: set[int] = {id(model.inputs[0])}
    cuts = []
    for i, node in enumerate(nodes):
        out = id(node.outputs[0])
        live = {t for t in live if last_use.get(t, -1) > i}
        if last_use.get(out, -1) > i:
            live.add(out)
        if live == {out} and i < len(nodes) - 1:
            cuts.append(i)
    return cuts


def spaced_cuts(nodes, cuts: list[int], max_segments: int) -> list[int]:
    """At most ``max_segments - 1`` of ``cuts``, about equally spaced in compute (output elements
    per node as its cost), so that an edit anywhere recomputes about the same share."""
    cost = np.array([float(np.prod([d or 1 for d in n.outputs[0].shape[1:]])) for n in nodes])
    total, done = cost.sum(), np.cumsum(cost)
    chosen, target = [], total / max_segments
    for i in cuts:
        if done[i] >= target and len(chosen) < max_segments - 1:
            chosen.append(i)
            target = done[i] + total / max_segments
    return chosen


class SimulatedModel:
    """``model`` (a loaded Keras model) with the int8 quantization of a plan (``tensors`` and their
    ``ranges``) and ``weights`` granularity (the default of the plan's kernel entries, ``weight_plan``);
    see the module docstring.

    ``run(x)`` is the simulated int8 output for a float input batch (the model input, after the
    input convention); ``segments`` / ``segment_of`` / ``run_from`` are what the live set uses.
    """

    def __init__(self, model, tensors, ranges: dict, weights: str = "per-channel", folded=None,
                 weight_params=None, weight_plan=None):
        import tensorflow as tf

        from ..models.bn_fold import folded_weights

        if weights not in GRANULARITIES:
            raise ValueError(f"weights must be one of {', '.join(GRANULARITIES)}, got {weights!r}")
        check_plan_matches_model(model, tensors)
        self.model, self.tensors, self.weights = model, list(tensors), weights
        self.folded = folded if folded is not None else folded_weights(model)
        self._custom_weight_params = weight_params is not None
        self.weight_params = weight_params or (lambda name, cls, kernel, granularity:
                                               kernel_range(cls, kernel, granularity, name, weight_plan))
        self.input_shape = tuple(int(d) for d in model.input_shape[1:])
        self.output_layer = {t.name: t.output_layer for t in self.tensors}
        params = expected_params(self.tensors, ranges)
        # float ops (core/plan/precision.py): no FakeQuant on their output or kernel, and the ops
        # reading their output keep a float bias, exactly as the export's converter does
        self.floats, self.region = float_layers(weight_plan), float_region(self.tensors, weight_plan)
        self._ranges = {t.output_layer: (tf.Variable(np.float32(params[t.name].min), trainable=False),
                                         tf.Variable(np.float32(params[t.name].max), trainable=False))
                        for t in self.tensors if t.name not in self.floats}
        self.current = {t.name: (params[t.name].min, params[t.name].max) for t in self.tensors}
        # every 8-bit tensor's stored scale and zero point, for the input as LiteRT is fed it
        # (core.export.litert.quantize_input) and the integer kernels (core.simulate.integer)
        self._input = next(t for t in self.tensors if t.op == "INPUT")
        self._q = {t.output_layer: (tf.Variable(np.float32(params[t.name].scale), trainable=False),
                                    tf.Variable(np.float32(params[t.name].zero_point), trainable=False))
                   for t in self.tensors if t.output_layer in self._ranges}
        self.int16 = int16_layers(weight_plan) - self.region
        # an int16 (16x8) op's output: FakeQuant num_bits=16 on the symmetric grid of its nudged range
        # (core.quant.grid.int16_scale); when no reader is int16, the readers see it re-quantized to int8
        readers = {t.name: [u.name for u in self.tensors if t.name in u.inputs] for t in self.tensors}
        self._int16_out = {t.output_layer: not any(r in self.int16 for r in readers[t.name])
                           for t in self.tensors if t.name in self.int16}
        self._kernels = self._quantized_kernels()
        self._integer = integer_ops(model, self.tensors, self._bias_inputs, self._q, self._int16_out)
        self.nodes = list(walk_nodes(model))
        self._position = {node.operation.name: i for i, node in enumerate(self.nodes)}
        self._build_segments(tf)

    # ---- quantization ------------------------------------------------------------
    def _quantized_kernels(self) -> dict:
        import tensorflow as tf

        params, _ = self.folded
        out, self._weight_scales, self._bias_inputs, self._kernel_src, self._clips = {}, {}, {}, {}, {}
        self._weight_clips = {}
        for node in walk_nodes(self.model):
            layer = node.operation
            cls = type(layer).__name__
            if cls in ("Conv2D", "DepthwiseConv2D", "Dense"):
                kernel = params[layer.name][0]
            elif cls in ("Rescaling", "Normalization"):
                kernel, cls = rescale_kernel(layer)[0], "DepthwiseConv2D"
            else:
                continue
            if layer.name in self.floats:
                out[layer.name] = tf.Variable(np.asarray(kernel, np.float32), trainable=False)
                continue
            lo, hi = self.weight_params(layer.name, cls, kernel, self.weights)
            self._kernel_src[layer.name] = (cls, kernel)
            self._clips[layer.name] = np.asarray(hi, np.float32)
            out[layer.name] = tf.Variable(fq_kernel_with(tf, cls, kernel, lo, hi), trainable=False)
            # one scale per output channel (a per-tensor one repeated), so a kernel edit that changes the
            # granularity (a clip drag makes it per tensor) updates the variable in place
            self._weight_scales[layer.name] = tf.Variable(_per_output(cls, kernel, hi), trainable=False)
            self._weight_clips[layer.name] = tf.Variable(_per_output(cls, kernel, hi, clip=True), trainable=False)
        by_name = {t.name: t for t in self.tensors}
        for t in self.tensors:   # a weighted op's bias is quantized at its input's scale x its weight scale
            if t.layers[0] in out and t.inputs and t.inputs[0] in by_name and t.name not in self.region \
                    and t.name not in self.int16:   # a 16x8 op's int64 bias at a 128x finer step: float
                self._bias_inputs[t.layers[0]] = by_name[t.inputs[0]].output_layer
        return out

    def set_ranges(self, ranges: dict) -> list[str]:
        """Put the plan's ``ranges`` (name -> (min, max) or QuantParams; e.g. ``plan.ranges()``) in place,
        nudged as the export nudges them; returns the names of the tensors whose range changed."""
        params = expected_params(self.tensors, ranges)
        changed = []
        for t in self.tensors:
            p = params[t.name]
            if self.current[t.name] != (p.min, p.max) and t.output_layer in self._ranges:
                lo, hi = self._ranges[t.output_layer]
                lo.assign(np.float32(p.min))
                hi.assign(np.float32(p.max))
                self.current[t.name] = (p.min, p.max)
                changed.append(t.name)
                self._q[t.output_layer][0].assign(np.float32(p.scale))
                self._q[t.output_layer][1].assign(np.float32(p.zero_point))
        return changed

    def set_weight_plan(self, weight_plan) -> list[str]:
        """Quantize the kernels with ``weight_plan``'s entries (a :class:`core.plan.weight_entry.WeightPlan`,
        e.g. after a weight clip drag), in place; returns the layers whose kernel changed."""
        import tensorflow as tf

        if self._custom_weight_params:
            raise ValueError("this simulation quantizes its kernels with its own weight_params")
        if float_layers(weight_plan) != self.floats or int16_layers(weight_plan) - self.region != self.int16:
            raise ValueError("the plan's float/int16 ops changed: the simulated model must be built again")
        changed = []
        for name, (cls, kernel) in self._kernel_src.items():
            lo, hi = kernel_range(cls, kernel, self.weights, name, weight_plan)
            hi = np.asarray(hi, np.float32)
            if hi.shape == self._clips[name].shape and np.array_equal(hi, self._clips[name]):
                continue
            self._kernels[name].assign(fq_kernel_with(tf, cls, kernel, lo, hi))
            self._weight_scales[name].assign(_per_output(cls, kernel, hi))
            self._weight_clips[name].assign(_per_output(cls, kernel, hi, clip=True))
            self._clips[name] = hi
            changed.append(name)
        self.weight_params = lambda name, cls, kernel, granularity: kernel_range(cls, kernel, granularity, name,
                                                                                 weight_plan)
        return changed

    # ---- the graph's hooks ---------------------------------------------------------
    def act_quant(self, name: str, t):
        """The FakeQuant after layer ``name``'s output (``t`` as is when it has none)."""
        import tensorflow as tf

        r = self._ranges.get(name)
        if r is None:
            return t
        if name in self._int16_out:
            m = tf.maximum(tf.abs(r[0]), tf.abs(r[1]))
            t = tf.quantization.fake_quant_with_min_max_vars(t, -m, m, num_bits=16, narrow_range=True)
            if not self._int16_out[name]:
                return t
        return tf.quantization.fake_quant_with_min_max_vars(t, r[0], r[1], num_bits=8, narrow_range=False)

    def input_quant(self, name: str, x):
        """The model input ``x`` on the int8 grid as the app feeds LiteRT (``round(x / scale) + zero point``,
        float32, ties to even: :func:`core.export.litert.quantize_input`), not the export's input FakeQuant,
        which rounds ties up: with the pixel/127.5 - 1 convention every pixel lies on a tie, and 7 % of the
        224 px input values were one step apart from what LiteRT computed on (bench/bench_live_tensors.py)."""
        import tensorflow as tf

        if name not in self._ranges:
            return x
        scale, zp = self._q[name]
        q = tf.clip_by_value(tf.round(x / scale) + zp, -128.0, 127.0)
        return (q - zp) * scale

    def bias_quant(self, name: str, bias):
        """Layer ``name``'s bias on the int32 grid the converter stores it on (input scale x weight scale)."""
        import tensorflow as tf

        if name not in self._bias_inputs:
            return bias
        lo, hi = self._ranges[self._bias_inputs[name]]
        step_ = (hi - lo) / 255.0 * self._weight_scales[name]
        return tf.round(tf.constant(bias) / step_) * step_

    def kernel(self, name: str, _cls=None, _kernel=None):
        """Layer ``name``'s kernel as the simulation computes with it (a variable)."""
        return self._kernels[name]

    def step_fn(self, act_quant=None):
        """``step(node, values)`` as :func:`core.export.graph.node_step`, with the convolutions and residual
        adds between 8-bit tensors computed on their integers as XNNPACK does (:mod:`core.simulate.integer`);
        ``act_quant`` replaces :meth:`act_quant` (bench/bench_live_tensors.py forces LiteRT's values)."""
        import tensorflow as tf

        act_quant = act_quant or self.act_quant
        return integer_step(tf, node_step(self.model, self.folded, act_quant, self.kernel, self.bias_quant),
                            self._integer, act_quant, self.folded[0], self._kernels, self._weight_scales,
                            self._weight_clips, self._q, self._ranges)

    # ---- the graph ---------------------------------------------------------------
    def _build_segments(self, tf) -> None:
        model, nodes = self.model, self.nodes
        step = self.step_fn()
        input_name = input_layer_name(model)
        cuts = cut_points(model, nodes)
        # cut on plan tensors' 8-bit FakeQuant outputs where there are any: the live set keeps those as uint8
        cuts = [i for i in cuts if self._packable(nodes[i].operation.name)] or cuts
        bounds = [-1] + spaced_cuts(nodes, cuts, MAX_SEGMENTS) + [len(nodes) - 1]
        self.segments = []        # (first node, last node) inclusive; segment 0 also quantizes the input
        self._fns = []
        for k in range(len(bounds) - 1):
            first, last = bounds[k] + 1, bounds[k + 1]
            in_id = id(model.inputs[0]) if k == 0 else id(nodes[first - 1].outputs[0])
            in_shape = (None,) + (self.input_shape if k == 0 else tuple(nodes[first - 1].outputs[0].shape[1:]))
            self.segments.append((first, last))
            self._fns.append(self._segment_fn(tf, step, nodes[first:last + 1], in_id, in_shape,
                                              self.input_quant if k == 0 else None, input_name, k))

    @staticmethod
    def _segment_fn(tf, step, seg_nodes, in_id, in_shape, quantize_input, input_name, k: int):
        out_id = id(seg_nodes[-1].outputs[0])

        def run(x):
            values = {in_id: quantize_input(input_name, x) if quantize_input else x}
            for node in seg_nodes:
                step(node, values)
            return values[out_id]

        # each segment function its own code object: TensorFlow counts traces per code object (equal code
        # objects count as one), and 5+ segments, or one segment of 5+ simulations built in one process (a
        # session opened after another in the engine), each traced once, were reported as "5 out of the last
        # 5 calls ... triggered tf.function retracing"
        name = f"segment_{k}_{next(_BUILDS)}"
        run.__code__ = run.__code__.replace(co_name=name, co_qualname=name)
        return tf.function(run, autograph=False, input_signature=[tf.TensorSpec(in_shape, tf.float32)])

    def segment_of(self, name: str) -> int:
        """The segment whose computation holds plan tensor ``name``'s FakeQuant."""
        layer = self.output_layer[name]
        if layer not in self._position:   # the input tensor
            return 0
        i = self._position[layer]
        return next(k for k, (first, last) in enumerate(self.segments) if first <= i <= last)

    def segment_of_layer(self, layer: str) -> int:
        """The segment computing ``layer`` (0 for a layer outside the walked graph)."""
        i = self._position.get(layer)
        if i is None:
            return 0
        return next(k for k, (first, last) in enumerate(self.segments) if first <= i <= last)

    def describe_segment(self, k: int) -> str:
        first, last = self.segments[k]
        return f"{self.nodes[first].operation.name}..{self.nodes[last].operation.name}"

    def segment_output_shape(self, k: int) -> tuple:
        """Shape of segment ``k``'s output for one image."""
        return tuple(int(d or 1) for d in self.nodes[self.segments[k][1]].outputs[0].shape[1:])

    def pack_cut(self, k: int, x):
        """Segment ``k``'s output ``x`` as the live set keeps it: when it is an 8-bit FakeQuant's output (a plan
        tensor's), its grid indices as uint8 (a quarter of the float32 bytes), else ``x`` itself."""
        import tensorflow as tf

        layer = self.nodes[self.segments[k][1]].operation.name
        if not self._packable(layer):
            return x
        r = self._ranges[layer]
        scale = (r[1] - r[0]) / 255.0
        return _Packed(tf.cast(tf.clip_by_value(tf.round((x - r[0]) / scale), 0.0, 255.0), tf.uint8))

    def _packable(self, layer: str) -> bool:
        return layer in self._ranges and layer not in self._int16_out

    def cut_bytes(self, k: int) -> int:
        """Bytes per value :meth:`pack_cut` keeps for segment ``k``'s output (1 on an 8-bit FakeQuant, else 4)."""
        return 1 if self._packable(self.nodes[self.segments[k][1]].operation.name) else 4

    def unpack_cut(self, k: int, packed):
        """The float32 values :meth:`pack_cut` kept, bit for bit: the grid points put through the same FakeQuant
        (its range cannot have changed since: an edit of it makes segment ``k`` stale, so it is packed again)."""
        import tensorflow as tf

        if not isinstance(packed, _Packed):
            return packed
        lo, hi = self._ranges[self.nodes[self.segments[k][1]].operation.name]
        approx = lo + tf.cast(packed.q, tf.float32) * ((hi - lo) / 255.0)
        return tf.quantization.fake_quant_with_min_max_vars(approx, lo, hi, num_bits=8, narrow_range=False)

    def run_segment(self, k: int, x):
        return self._fns[k](x)

    def run(self, x) -> np.ndarray:
        """The simulated int8 model's output for the float input batch ``x``."""
        for k in range(len(self._fns)):
            x = self._fns[k](x)
        return np.asarray(x)

    @property
    def trace_count(self) -> int:
        """How many times the segments were traced (one each when warm: an edit must not add any)."""
        return sum(int(f.experimental_get_tracing_count()) for f in self._fns)


class _Packed:
    """A cut point's activations as uint8 grid indices (:meth:`SimulatedModel.pack_cut`)."""

    __slots__ = ("q",)

    def __init__(self, q):
        self.q = q

    @property
    def nbytes(self) -> int:
        return int(self.q.shape.num_elements())


def _per_output(cls: str, kernel: np.ndarray, hi, clip: bool = False) -> np.ndarray:
    """The stored weight scale ``2 hi / 254`` (or ``hi`` itself: ``clip``) for every output channel of
    ``kernel`` (float32)."""
    n_out = kernel.shape[2] * kernel.shape[3] if cls == "DepthwiseConv2D" else kernel.shape[-1]
    scale = np.asarray(hi, np.float32) if clip else \
        (np.asarray(hi, np.float32) - (-np.asarray(hi, np.float32))) / np.float32(254.0)
    return np.broadcast_to(scale.astype(np.float32), (int(n_out),)).copy()


def simulated_float(model, folded=None):
    """The float model (BatchNorm folded, nothing quantized) as one traced function of a batch: the
    live set's reference."""
    import tensorflow as tf

    from ..export.graph import forward_fn

    run = forward_fn(model, {}, None, folded)
    shape = (None,) + tuple(int(d) for d in model.input_shape[1:])
    return tf.function(run, autograph=False, input_signature=[tf.TensorSpec(shape, tf.float32)])
