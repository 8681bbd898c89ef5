"""Tiny ONNX recognizers that satisfy hotich's model contract, built with onnx.helper (no torch).

Contract: input ``image`` float32 [B, 1, H, W] (paper 1.0, ink 0.0), output ``logprobs``
[B, T, C] log-softmax with T = ceil(W / downsample), metadata ``hotich.task`` = ``htr``,
``hotich.charset`` and ``hotich.input`` (JSON of the charset and the input spec).

:func:`ink_model` reads every inked column stretch as one character: each output step is
``char`` where the mean ink of its columns exceeds ``threshold``, blank elsewhere. A white line
reads as "", one solid black block as "a", two blocks separated by paper as "aa".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ocr.htr.charset import Charset, default_charset
from ocr.htr.preprocess import InputSpec

OPSET = 17


def ink_model(path: Path, char: str = "a", threshold: float = 0.5, charset: Charset | None = None,
              spec: InputSpec | None = None) -> Path:
    """Write the ink-block model to ``path`` and return it."""
    charset = charset or default_charset()
    spec = spec or InputSpec()
    weights = np.zeros((1, charset.size), np.float32)
    bias = np.full(charset.size, -20.0, np.float32)
    bias[0] = 0.0  # blank
    k = charset.index()[char]
    weights[0, k], bias[k] = 20.0, -20.0 * threshold
    nodes = [
        helper.make_node("ReduceMean", ["image"], ["column"], axes=[1, 2], keepdims=1),  # B,1,1,W
        helper.make_node("AveragePool", ["column"], ["paper"], kernel_shape=[1, spec.downsample],
                         strides=[1, spec.downsample], ceil_mode=1),  # B,1,1,T
        helper.make_node("Sub", ["one", "paper"], ["ink"]),
        helper.make_node("Reshape", ["ink", "shape"], ["steps"]),  # B,T,1
        helper.make_node("MatMul", ["steps", "weights"], ["scaled"]),
        helper.make_node("Add", ["scaled", "bias"], ["logits"]),
        helper.make_node("LogSoftmax", ["logits"], ["logprobs"], axis=-1),
    ]
    inits = [numpy_helper.from_array(np.array(1.0, np.float32), "one"),
             numpy_helper.from_array(np.array([0, -1, 1], np.int64), "shape"),
             numpy_helper.from_array(weights, "weights"),
             numpy_helper.from_array(bias, "bias")]
    graph = helper.make_graph(
        nodes, "tiny_htr",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["B", 1, spec.height, "W"])],
        [helper.make_tensor_value_info("logprobs", TensorProto.FLOAT, ["B", "T", charset.size])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    helper.set_model_props(model, {"hotich.task": "htr", "hotich.charset": charset.to_json(),
                                   "hotich.input": spec.to_json()})
    onnx.checker.check_model(model)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, path)
    return path


def block_line(blocks: int, height: int = 40, block: int = 24, gap: int = 24) -> np.ndarray:
    """A white uint8 line image holding ``blocks`` solid black blocks separated by paper."""
    width = gap + blocks * (block + gap)
    image = np.full((height, width), 255, np.uint8)
    for i in range(blocks):
        x = gap + i * (block + gap)
        image[:, x:x + block] = 0
    return image
