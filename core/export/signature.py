"""The ``serving_default`` signature every exported .tflite carries.

The converter is fed a concrete function without a trackable object, a path that keeps the
tensor names the verifier and the report use (the input ``image``) but writes no SignatureDef;
signature-based tools (``Interpreter.get_signature_runner``, litert-quantizer, the LiteRT
``CompiledModel`` API) need one. This adds it to the flatbuffer after conversion: key
``serving_default``, the subgraph's inputs under the traced function's argument names (``image``), the outputs as
``output_0``, ``output_1``, ... (the names TensorFlow gives a function's outputs). Tensors,
buffers and operators are untouched, so the verifier sees the graph it would have seen.
"""

from __future__ import annotations

SIGNATURE_KEY = "serving_default"


def with_serving_signature(data: bytes, input_names: list[str] | None = None) -> bytes:
    """``data`` (a converted .tflite) with a ``serving_default`` signature over its main subgraph;
    unchanged when it already has one. ``input_names``: the traced function's argument names (an
    int8 model's input tensor is named after the converter's quantize op, not the argument);
    default the input tensors' names."""
    from tensorflow.lite.python import schema_py_generated as schema_fb
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(data))
    for sig in model.signatureDefs or []:
        if _text(sig.signatureKey) == SIGNATURE_KEY:
            return data
    graph = model.subgraphs[0]

    def tensor_map(name: str, index: int):
        m = schema_fb.TensorMapT()
        m.name, m.tensorIndex = name, int(index)
        return m

    sig = schema_fb.SignatureDefT()
    sig.signatureKey, sig.subgraphIndex = SIGNATURE_KEY, 0
    names = list(input_names) if input_names else [_text(graph.tensors[i].name) for i in graph.inputs]
    if len(names) != len(graph.inputs):
        raise ValueError(f"{len(names)} input names for a model with {len(graph.inputs)} inputs")
    sig.inputs = [tensor_map(n, i) for n, i in zip(names, graph.inputs, strict=True)]
    sig.outputs = [tensor_map(f"output_{k}", i) for k, i in enumerate(graph.outputs)]
    model.signatureDefs = [*(model.signatureDefs or []), sig]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def _text(value) -> str:
    return value.decode() if isinstance(value, (bytes, bytearray)) else str(value)


__all__ = ["SIGNATURE_KEY", "with_serving_signature"]
