"""Experiment configs: defaults, then a YAML file, then dotted ``--set key=value`` overrides and
the seed, validated once by a pydantic model (unknown keys are an error)."""

from __future__ import annotations

from pathlib import Path
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field

M = TypeVar("M", bound=BaseModel)


class TrainConfig(BaseModel):
    """The training loop shared by the models: steps, how often to evaluate, save and log, early
    stopping, torch threads, the device and the seed. An experiment may give other defaults
    (``default_factory``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    steps: int = Field(6000, gt=0)
    eval_every: int = Field(250, gt=0)
    ckpt_every: int = Field(250, gt=0)
    log_every: int = Field(25, gt=0)
    patience: int = Field(0, ge=0)          # evaluations without a dev improvement > min_delta; 0: off
    min_delta: float = Field(0.0, ge=0.0)
    threads: int = Field(2, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"   # auto: cuda when torch sees one
    seed: int = 0


def _set_dotted(tree: dict[str, Any], key: str, value: Any) -> None:
    node = tree
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ValueError(f"--set {key}: {part} is not a section")
    node[parts[-1]] = value


def parse_override(item: str) -> tuple[str, Any]:
    """``key.path=value`` with the value read as YAML (numbers, booleans, lists)."""
    if "=" not in item:
        raise ValueError(f"an override is key.path=value, not {item!r}")
    key, raw = item.split("=", 1)
    return key.strip(), yaml.safe_load(raw)


def read_config(schema: type[M], path: Path | None = None, overrides: list[str] | tuple[str, ...] = (),
                seed: int | None = None, edit: Callable[[dict[str, Any]], None] | None = None) -> M:
    """Defaults, then the YAML file, then ``key=value`` overrides, the seed and ``edit`` (a
    command's own options, such as ``--data``, applied to the raw tree); one validation."""
    tree: dict[str, Any] = {}
    if path is not None:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{path}: a config is a mapping of sections")
        tree = loaded
    for item in overrides:
        _set_dotted(tree, *parse_override(item))
    if seed is not None:
        _set_dotted(tree, "train.seed", seed)
    if edit is not None:
        edit(tree)
    return schema.model_validate(tree)
