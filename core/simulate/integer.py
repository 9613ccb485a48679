"""The int8 kernels as LiteRT runs the exported model by default (XNNPACK), for the simulation.

A FakeQuant graph computes ``round_half_up((s_in s_w sum(x w) + b - min) / s_out)`` in float32; XNNPACK
computes ``round_half_even(float(acc) * (s_in * s_w / s_out))`` on the exact int32 accumulator ``acc``
(fp32 requantization, ``xnn_create_convolution2d_nhwc_qs8_qc8w``: one float32 scale per output channel,
``input_scale * kernel_scale / output_scale``), and adds residual branches with 21-bit fixed-point
multipliers and a rounding shift (``xnn_init_qs8_add_minmax_scalar_params``). The two differ by one step
wherever a value lies near a rounding boundary, which on a network whose top-1 hangs on near-tie logits
flips predictions (bench/bench_live_tensors.py, bench/bench_live.py). These functions compute on the
simulation's float values, which lie on their tensors' grids, the integers LiteRT computes, exactly:
integer-valued float32 convolutions are exact while every partial sum stays below 2**24; the residual
add's products and sums (< 2**31) are computed in float64.
"""

from __future__ import annotations


def grid_ints(tf, x, scale):
    """``x`` (values on a grid of step ``scale``) as the grid's integers relative to zero (q - zero point)."""
    return tf.round(x / scale)


def requantize(tf, acc, multiplier, scale_out, zp_out):
    """``acc`` (integers, float32) -> the output's grid values: ``round_half_even(acc * multiplier)`` clamped
    to int8 around ``zp_out``, times ``scale_out``."""
    q = tf.clip_by_value(tf.round(acc * multiplier), -128.0 - zp_out, 127.0 - zp_out)
    return q * scale_out


def bias_ints(tf, bias, in_range, clip):
    """``bias`` on the int32 grid as the converter stores it: step ``(max - min) / 255 * 2 clip / 254`` in
    float64 from the input's (nudged, float32) range and the kernel's per-output-channel clip, not the
    product of the two stored float32 scales (which gave 3 of 17,000 biases one apart at 224 px per channel,
    enough to change 76 % of the logits by the last layer: bench/bench_live_tensors.py)."""
    f64 = tf.float64
    step = (tf.cast(in_range[1], f64) - tf.cast(in_range[0], f64)) / 255.0 * (2.0 * tf.cast(clip, f64) / 254.0)
    return tf.cast(tf.round(tf.constant(bias, f64) / step), tf.float32)


def weighted(tf, apply, x, kernel, weight_scale, bias, s_in, s_out, zp_out):
    """A conv / depthwise conv / matmul as XNNPACK computes it. ``apply(x, w, b)`` is the layer's op on float
    tensors (no activation); ``kernel`` its fake-quantized kernel, ``weight_scale`` one float32 scale per
    output channel (shaped to broadcast over the kernel's last axis, or its last two for a depthwise
    kernel), ``bias`` the int32 bias as float32 (:func:`bias_ints`) or None."""
    xi = grid_ints(tf, x, s_in)
    wi = tf.round(kernel / weight_scale)
    acc = apply(xi, wi, bias)
    return requantize(tf, acc, (s_in * tf.reshape(weight_scale, [-1])) / s_out, s_out, zp_out)


def _pow2(tf, e):
    """2 ** ``e`` (an int32 tensor in the float32 exponent range), exactly, as float32."""
    return tf.bitcast((e + 127) * (1 << 23), tf.float32)


def add(tf, a, b, s_a, s_b, s_out, zp_out):
    """``a + b`` (grid values) re-quantized as XNNPACK's qs8 add does: multipliers ``lrintf(s_x / s_out *
    2**shift)`` with the larger in [2**20, 2**21), then ``(m_a qa + m_b qb + 2**(shift-1)) >> shift``."""
    sa, sb = s_a / s_out, s_b / s_out
    exponent = tf.bitwise.right_shift(tf.bitcast(tf.maximum(sa, sb), tf.int32), 23) - 127
    shift = 20 - exponent
    ma, mb = tf.round(sa * _pow2(tf, shift)), tf.round(sb * _pow2(tf, shift))
    f64 = tf.float64
    acc = (tf.cast(ma, f64) * tf.cast(grid_ints(tf, a, s_a), f64) + tf.cast(mb, f64) * tf.cast(grid_ints(tf, b, s_b), f64)
           + tf.cast(_pow2(tf, shift - 1), f64))
    q = tf.floor(acc / tf.cast(_pow2(tf, shift), f64))
    q = tf.clip_by_value(tf.cast(q, tf.float32), -128.0 - zp_out, 127.0 - zp_out)
    return q * s_out


def integer_ops(model, tensors, bias_inputs: dict, quant: dict, int16_out: dict) -> dict:
    """Layer name -> what :func:`integer_step` needs to compute it on integers: ``("weighted", input
    layer, output layer)`` for a Conv2D / DepthwiseConv2D / Dense whose input and output plan tensors are
    8-bit (``quant``: output layer -> (scale, zero point) variables; not 16-bit: ``int16_out``) and whose
    bias goes to the int32 grid (``bias_inputs``: layer -> its input's output layer); ``("add", a layer,
    b layer, output layer)`` for a two-input Add of 8-bit tensors."""
    from ..keras_graph import walk_nodes

    def int8(layer):
        return layer in quant and layer not in int16_out

    out = {}
    by_first = {t.layers[0]: t for t in tensors}
    for node in walk_nodes(model):
        layer = node.operation
        cls, t = type(layer).__name__, by_first.get(layer.name)
        if t is None or not int8(t.output_layer):
            continue
        if cls in ("Conv2D", "DepthwiseConv2D", "Dense") and layer.name in bias_inputs \
                and int8(bias_inputs[layer.name]) \
                and layer.get_config().get("activation", "linear") in ("linear", "relu"):
            out[layer.name] = ("weighted", bias_inputs[layer.name], t.output_layer)
        elif cls == "Add":
            ins = [k._keras_history.operation.name for k in node.arguments.keras_tensors]
            if len(ins) == 2 and all(int8(i) for i in ins):
                out[layer.name] = ("add", ins[0], ins[1], t.output_layer)
    return out


def integer_step(tf, base_step, ops: dict, act_quant, folded_params: dict, kernels: dict, weight_scales: dict,
                 clips: dict, quant: dict, ranges: dict):
    """``base_step`` (:func:`core.export.graph.node_step`) with the layers of ``ops`` (:func:`integer_ops`)
    computed by :func:`weighted` / :func:`add`; their result goes through ``act_quant`` as any layer's."""
    from ..export.graph import activation, apply_weighted

    def step(node, values):
        layer = node.operation
        spec = ops.get(layer.name)
        if spec is None:
            return base_step(node, values)
        args, _ = node.arguments.fill_in(values)
        if spec[0] == "add":
            (s_a, _), (s_b, _), (s_o, zp_o) = quant[spec[1]], quant[spec[2]], quant[spec[3]]
            a, b = args[0]
            y = add(tf, a, b, s_a, s_b, s_o, zp_o)
        else:
            (s_in, _), (s_o, zp_o) = quant[spec[1]], quant[spec[2]]
            kernel, ws = kernels[layer.name], weight_scales[layer.name]
            if type(layer).__name__ == "DepthwiseConv2D":
                ws = tf.reshape(ws, tuple(kernel.shape[2:]))
            bias = folded_params[layer.name][1]
            bias = None if bias is None else bias_ints(tf, bias, ranges[spec[1]], clips[layer.name])
            y = weighted(tf, lambda x, w, b, layer=layer: apply_weighted(tf, layer, x, w, b, activate=False),
                         args[0], kernel, ws, bias, s_in, s_o, zp_o)
            y = activation(tf, layer, y)   # linear or ReLU: commutes with the requantization
        values[id(node.outputs[0])] = act_quant(layer.name, y)

    return step

