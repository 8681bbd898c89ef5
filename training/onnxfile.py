"""ONNX export helpers shared by the models: self-describing metadata, slim weight files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import onnx
import torch


def write_metadata(path: Path, meta: dict[str, str]) -> None:
    """Replace the model's metadata with ``meta``, check the model and save it in place."""
    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))


def slim_checkpoint(checkpoint: Path, out: Path, keys: Iterable[str]) -> Path:
    """The weights and self-description of a checkpoint, without optimizer state (to ship)."""
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    torch.save({k: state[k] for k in keys if k in state}, out)
    return out


def quantize_onnx(path: Path) -> Path:
    """An int8 dynamic-quantized twin ``<stem>.int8.onnx`` with the same metadata."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = path.with_suffix(".int8.onnx")
    quantize_dynamic(str(path), str(target), weight_type=QuantType.QInt8)
    src, dst = onnx.load(str(path)), onnx.load(str(target))
    del dst.metadata_props[:]
    dst.metadata_props.extend(src.metadata_props)
    onnx.save(dst, str(target))
    return target
