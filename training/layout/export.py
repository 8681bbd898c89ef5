"""Layout checkpoint -> ONNX (input "image" [B,3,H,W], output "maps" [B,C,H,W] logits, dynamic
batch and size) with the map channels, input spec and model description inside."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import torch

from ocr.layout.maps import MAP_CHANNELS
from training.layout.config import LayoutExperiment
from training.layout.model import UNet, count_params
from training.onnxfile import slim_checkpoint, write_metadata

OPSET = 17
SLIM_KEYS = ("model", "config", "input", "channels", "step", "best", "params", "data")


def load_layout_checkpoint(path: Path) -> tuple[UNet, LayoutExperiment, dict[str, Any]]:
    state = torch.load(path, map_location="cpu", weights_only=False)
    cfg = LayoutExperiment.model_validate(state["config"])
    if list(state.get("channels", MAP_CHANNELS)) != list(MAP_CHANNELS):
        raise ValueError(f"{path}: trained for maps {state.get('channels')}, this code predicts {list(MAP_CHANNELS)}")
    model = UNet(cfg.model)
    model.load_state_dict(state["model"])
    return model.eval(), cfg, state


def export_layout(checkpoint: Path, out: Path) -> Path:
    model, cfg, state = load_layout_checkpoint(checkpoint)
    out.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(model, torch.ones(1, 3, 256, 320), str(out), input_names=["image"], output_names=["maps"],
                          dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"},
                                        "maps": {0: "batch", 2: "height", 3: "width"}},
                          opset_version=OPSET, dynamo=False)
    card = {"name": cfg.model.name, "arch": f"U-Net {'-'.join(map(str, cfg.model.channels))}",
            "params": count_params(model), "trained_steps": state.get("step"), "best_val_f1": state.get("best"),
            "data": state.get("data"), "seed": cfg.train.seed, "config": cfg.model_dump(mode="json")}
    write_metadata(out, {"hotich.task": "layout", "hotich.channels": json.dumps(list(MAP_CHANNELS)),
                         "hotich.input": json.dumps(state["input"]), "hotich.model": json.dumps(card)})
    return out


def slim_layout_checkpoint(checkpoint: Path, out: Path) -> Path:
    return slim_checkpoint(checkpoint, out, SLIM_KEYS)
