"""QATModel: the export's fake-quant graph of a plan as a trainable Keras model.

The forward pass is the export's (:func:`core.export.graph.node_step`: BatchNorm folded, every layer
computed the way the int8 model computes it), with three hooks of its own:

- every Conv2D / DepthwiseConv2D / Dense computes with a trainable *folded* kernel variable, fake-
  quantized per the plan (:mod:`.kernels`), and a trainable folded bias where the model has a place to
  store one (the conv's bias or its BatchNorm's beta);
- every plan tensor goes through its group's FakeQuant (:mod:`.ranges`): a range that is not trained
  (``fixed``; the input, locked and spec-fixed ones under ``learned``) through the export's own op on
  the same constant (:func:`core.export.graph.fake_quant_activation`, ``fake_quant_with_min_max_args``),
  a trained one through ``fake_quant_with_min_max_vars`` on its variable, whose gradient reaches the
  bounds. The two ops round ``x / scale`` differently (the ``vars`` op divides by the scale, the
  ``args`` op multiplies by its inverse), so only the export's op reproduces the export at the
  float32 ulp next to a rounding boundary: a trained range computes what the export computes but for
  such values, one step apart;
- the loss sees the model output *before* its own FakeQuant when that tensor's range is locked
  (softmax: 1/256 steps): rounding a probability to 0 would clip the cross-entropy and stop its
  gradient, and the locked FakeQuant only rounds, it never changes which class wins but for ties.

BatchNorm statistics are folded and frozen (no batch statistics): what the int8 model computes is
what is trained. With ``ranges="fixed"`` the output equals, bit for bit, the export's forward pass
(:func:`core.export.graph.forward_fn`) of the weights it holds.
"""

from __future__ import annotations

from types import SimpleNamespace

import keras
import numpy as np

from ..export.graph import fake_quant_activation, fq_kernel_with, input_layer_name, kernel_range, node_step
from ..keras_graph import walk_nodes
from ..models.bn_fold import foldable_pairs, folded_weights
from .kernels import fake_quant_variable, kernel_spec
from .ranges import ValidRange, initial_ranges, learnable, range_groups

WEIGHTED = ("Conv2D", "DepthwiseConv2D", "Dense")


def bias_slot(model, layer_name: str, pairs: dict) -> bool:
    """Whether the float model can store a trained bias for ``layer_name``: its own bias, or the
    beta of the BatchNorm folded into it."""
    layer = model.get_layer(layer_name)
    if getattr(layer, "use_bias", False):
        return True
    bn = pairs.get(layer_name)
    return bn is not None and bool(model.get_layer(bn).get_config().get("center", True))


class QATModel(keras.Model):
    """``source`` (a loaded Keras model) with ``plan``'s int8 quantization, trainable; see the module docstring.

    ``weights``: the granularity of kernel entries without one (the export's ``--weights``);
    ``ranges``: ``fixed`` or ``learned``.
    """

    def __init__(self, source, plan, weights: str = "per-channel", ranges: str = "fixed", **kwargs):
        super().__init__(name=f"{source.name}_qat", **kwargs)
        from ..export.export import check_plan_matches_model

        check_plan_matches_model(source, plan.tensors)
        params, skipped = folded_weights(source)
        pairs = foldable_pairs(source)
        groups = range_groups(plan.tensors)
        start = initial_ranges(plan.tensors, plan)
        # Not tracked by Keras (a SimpleNamespace): the source model and the plan are no part of this model's state.
        self._g = SimpleNamespace(source=source, plan=plan, weights=weights, ranges_mode=ranges,
                                  nodes=list(walk_nodes(source)), folded=(params, skipped), pairs=pairs,
                                  input_name=input_layer_name(source), specs={}, group_of={}, kernel_names=[],
                                  bias_names=[], output_layer=None, loss_before_output_fq=False, constant={})
        self.kernel_vars, self.bias_vars, self.range_vars = {}, {}, {}
        for node in self._g.nodes:
            layer = node.operation
            cls = type(layer).__name__
            if cls not in WEIGHTED:
                continue
            kernel, bias = params[layer.name]
            self._g.specs[layer.name] = kernel_spec(plan, layer.name, cls, kernel, weights)
            self.kernel_vars[layer.name] = self._variable(f"{layer.name}_kernel", kernel, True)
            if bias is not None:
                self.bias_vars[layer.name] = self._variable(f"{layer.name}_bias", bias,
                                                            bias_slot(source, layer.name, pairs))
        for gid, group in groups.items():
            lo, hi = start[gid]
            trainable = ranges == "learned" and learnable(group, plan)
            self.range_vars[gid] = self._variable(f"range_{len(self.range_vars)}", np.array([lo, hi], np.float32),
                                                  trainable, ValidRange() if trainable else None)
            if not trainable:
                self._g.constant[gid] = (float(lo), float(hi))
            for t in group:
                self._g.group_of[t.output_layer] = gid
        last = source.outputs[0]._keras_history.operation.name
        final = [t for t in plan.tensors if t.output_layer == last]
        self._g.output_layer = last
        self._g.loss_before_output_fq = bool(final and final[0].locked_params is not None)

    def _variable(self, name, value, trainable, constraint=None):
        value = np.asarray(value, np.float32)
        v = self.add_weight(name=name, shape=value.shape, initializer="zeros", trainable=trainable,
                            constraint=constraint)
        v.assign(value)
        return v

    # ---- the graph -------------------------------------------------------------------
    def _hooks(self, tf, quantize_output: bool):
        g = self._g

        def act_quant(name, t):
            gid = g.group_of.get(name)
            if gid is None or (name == g.output_layer and not quantize_output):
                return t
            if gid in g.constant:      # the export's op on the export's constant: bit-exact (module docstring)
                return fake_quant_activation(tf, t, *g.constant[gid])
            r = self.range_vars[gid]
            return tf.quantization.fake_quant_with_min_max_vars(t, r[0], r[1], num_bits=8, narrow_range=False)

        def kernel_quant(name, cls, kernel):
            if name in self.kernel_vars:
                gran, clip = g.specs[name]
                return fake_quant_variable(tf, cls, self.kernel_vars[name], gran, clip)
            # a Rescaling/Normalization as a constant depthwise kernel: the export's own
            return fq_kernel_with(tf, cls, kernel, *kernel_range(cls, kernel, g.weights, name, g.plan))

        def bias_quant(name, bias):
            return self.bias_vars[name] if name in self.bias_vars else bias

        return act_quant, kernel_quant, bias_quant

    def forward(self, x, quantize_output: bool = True):
        import tensorflow as tf

        g = self._g
        act_quant, kernel_quant, bias_quant = self._hooks(tf, quantize_output)
        step = node_step(g.source, g.folded, act_quant, kernel_quant, bias_quant)
        values = {id(g.source.inputs[0]): act_quant(g.input_name, tf.cast(x, tf.float32))}
        for node in g.nodes:
            step(node, values)
        return values[id(g.source.outputs[0])]

    def call(self, x, training=False):
        # the loss gets the output before a locked output FakeQuant while training (module docstring)
        return self.forward(x, quantize_output=not (training and self._g.loss_before_output_fq))

    # ---- what was trained ------------------------------------------------------------
    def trained_weights(self) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
        """Layer -> (folded kernel, folded bias or None), float32, as trained."""
        return {name: (np.asarray(v.numpy(), np.float32),
                       np.asarray(self.bias_vars[name].numpy(), np.float32) if name in self.bias_vars else None)
                for name, v in self.kernel_vars.items()}

    def trained_ranges(self) -> dict[str, tuple[float, float]]:
        """Tied-group id -> (min, max) as the variables hold them."""
        return {gid: tuple(float(x) for x in np.asarray(v.numpy(), np.float32)) for gid, v in self.range_vars.items()}

    def groups(self) -> dict[str, list]:
        return range_groups(self._g.plan.tensors)
