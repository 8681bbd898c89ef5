"""Typed configuration of a layout-model experiment (see configs/layout/unet.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ocr.layout.maps import MAP_CHANNELS
from training.configfile import TrainConfig, read_config
from training.layout.model import UNetConfig


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataConfig(_Strict):
    """Rendered pages (``training.layout.data``): how many, from which seed, how they are cut; and
    folders of labelled schema pages (``--data DIR``) mixed into the training crops."""

    dir: Path = Path("runs/layout-data")
    pages_per_template: int = Field(100, gt=0)
    seed: int = 7000
    val_pages: int = Field(21, ge=0)  # held out of training, spread over the templates
    crop: int = Field(448, gt=0)
    batch_size: int = Field(4, gt=0)
    extra_dirs: list[Path] = Field(default_factory=list)  # schema page JSON + images (`--data DIR`)
    extra_share: float = Field(0.5, ge=0, le=1)           # of training crops, when extra_dirs has pages


class LossConfig(_Strict):
    """Per-channel BCE (positive weights in ``MAP_CHANNELS`` order) plus soft Dice."""

    pos_weight: tuple[float, ...] = (3.0, 3.0, 2.0, 1.0, 2.0)
    dice: float = Field(1.0, ge=0)


class OptimConfig(_Strict):
    lr: float = Field(3e-3, gt=0)
    weight_decay: float = Field(1e-4, ge=0)
    warmup: float = Field(0.05, ge=0, lt=1)


class LayoutExperiment(_Strict):
    model: UNetConfig = Field(default_factory=UNetConfig)
    data: DataConfig = Field(default_factory=DataConfig)
    loss: LossConfig = Field(default_factory=LossConfig)
    optim: OptimConfig = Field(default_factory=OptimConfig)
    train: TrainConfig = Field(default_factory=lambda: TrainConfig(steps=1000, eval_every=100, ckpt_every=50, log_every=10))

    def model_post_init(self, __context) -> None:
        if len(self.loss.pos_weight) != len(MAP_CHANNELS) or self.model.out_channels != len(MAP_CHANNELS):
            raise ValueError(f"the layout model predicts {len(MAP_CHANNELS)} maps ({', '.join(MAP_CHANNELS)}): "
                             "model.out_channels and loss.pos_weight must have that many")
        if self.train.patience and not self.data.val_pages:
            raise ValueError("train.patience needs validation pages: set data.val_pages")


def load_layout_config(path: Path | None = None, overrides: list[str] | tuple[str, ...] = (),
                       seed: int | None = None, data_dirs: list[Path] | tuple[Path, ...] = ()) -> LayoutExperiment:
    """Defaults, then the YAML file, then ``key=value`` overrides, the seed and ``--data`` page
    folders (appended to data.extra_dirs); one validation."""

    def add_dirs(tree: dict[str, Any]) -> None:
        if data_dirs:
            data = tree.setdefault("data", {})
            data["extra_dirs"] = [*data.get("extra_dirs", []), *(str(d) for d in data_dirs)]

    return read_config(LayoutExperiment, path, overrides, seed, edit=add_dirs)
