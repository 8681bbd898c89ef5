"""Checkpoint -> ONNX with the charset, input spec and model description inside (and the charset
beside, ``<stem>.charset.json``); an optional int8 dynamic-quantized twin; checkpoint evaluation."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import cv2
import onnx
import torch

from ocr.htr.charset import Charset
from ocr.htr.preprocess import InputSpec
from training.htr.config import ExperimentConfig
from training.htr.data import LineImage
from training.htr.evaluate import Scores, evaluate_lines, evaluate_onnx, read_lines
from training.htr.model import CRNN, build_model, count_params, macs_per_line
from training.htr.split import real_split
from training.onnxfile import slim_checkpoint, write_metadata

OPSET = 17


def load_checkpoint(path: Path) -> tuple[CRNN, ExperimentConfig, Charset, InputSpec, dict[str, Any]]:
    """The model (eval mode) of a training checkpoint, with its config, charset, spec and state."""
    state = torch.load(path, map_location="cpu", weights_only=False)
    cfg = ExperimentConfig.model_validate(state["config"])
    charset = Charset.from_json(state["charset"])
    spec = InputSpec.from_json(state["input"])
    model = build_model(cfg.model, charset.size)
    model.load_state_dict(state["model"])
    return model.eval(), cfg, charset, spec, state


def model_card_json(model: CRNN, cfg: ExperimentConfig, spec: InputSpec, state: dict[str, Any]) -> str:
    """The ``hotich.model`` metadata: name, architecture summary, size, training and data."""
    stages = "-".join(f"{s.channels}x{s.convs}" for s in cfg.model.backbone.stages)
    arch = (f"CNN[{stages}] (3x3 conv-BN-ReLU, max-pools) -> mean over height -> "
            f"BiLSTM {cfg.model.neck.layers}x{cfg.model.neck.hidden} -> linear CTC head")
    return json.dumps({
        "name": cfg.model.name, "arch": arch, "params": count_params(model),
        "gmac_per_line_700px": round(macs_per_line(model, spec.height, 700) / 1e9, 3),
        "trained_steps": state.get("step"), "best_dev_cer": state.get("best_cer"),
        "data": state.get("data"), "seed": cfg.train.seed, "config": cfg.model_dump(mode="json"),
    }, ensure_ascii=False)


def export_onnx(checkpoint: Path, out: Path) -> Path:
    """Write ``out`` (input "image" [B,1,H,W], output "logprobs" [B,T,C], dynamic B and W) and
    ``out.with_suffix('.charset.json')``."""
    model, cfg, charset, spec, state = load_checkpoint(checkpoint)
    out.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.ones(2, 1, spec.height, 64)
    with warnings.catch_warnings():
        # The TorchScript exporter's deprecation, tracer and LSTM-batch notices: dynamic batch and
        # width are checked against torch by tests/training/test_htr_parity.py.
        warnings.simplefilter("ignore")
        torch.onnx.export(model, dummy, str(out), input_names=["image"], output_names=["logprobs"],
                          dynamic_axes={"image": {0: "batch", 3: "width"}, "logprobs": {0: "batch", 1: "steps"}},
                          opset_version=OPSET, dynamo=False)
    write_metadata(out, {"hotich.task": "htr", "hotich.charset": charset.to_json(), "hotich.input": spec.to_json(),
                         "hotich.model": model_card_json(model, cfg, spec, state)})
    out.with_suffix(".charset.json").write_text(charset.to_json(), encoding="utf-8")
    return out


def evaluate_checkpoint(checkpoint: Path, labels: Path | None = None) -> tuple[Scores, list[tuple[str, str]]]:
    """Scores of a checkpoint on a labels.tsv, or on the real validation split by default."""
    model, cfg, charset, spec, _ = load_checkpoint(checkpoint)
    torch.set_num_threads(cfg.train.threads)
    lines = read_lines(labels) if labels else real_val_lines(cfg)
    return evaluate_lines(model, lines, spec, charset)


def evaluate_exported(checkpoint: Path, onnx_path: Path, labels: Path | None = None) -> tuple[Scores, float]:
    """Scores and lines/s of an exported model on the same lines as :func:`evaluate_checkpoint`."""
    _, cfg, _, _, _ = load_checkpoint(checkpoint)
    lines = read_lines(labels) if labels else real_val_lines(cfg)
    return evaluate_onnx(onnx_path, lines, threads=cfg.train.threads)


def real_val_lines(cfg: ExperimentConfig) -> list[LineImage]:
    """The real validation lines (812) at their original size."""
    root = Path(cfg.data.real_root)
    return [LineImage(cv2.imread(str(root / rel), cv2.IMREAD_GRAYSCALE), text, "real") for rel, text in real_split(root)[1]]


SLIM_KEYS = ("model", "config", "charset", "input", "step", "best_cer", "params", "data")


def slim_htr_checkpoint(checkpoint: Path, out: Path) -> Path:
    """The recognizer's weights and self-description, without optimizer state (to ship)."""
    return slim_checkpoint(checkpoint, out, SLIM_KEYS)
