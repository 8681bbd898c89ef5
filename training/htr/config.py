"""Typed experiment configuration of the line recognizer: defaults, then YAML, then dotted
overrides (``--set optim.lr=1e-3``), validated once; unknown keys are an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ocr.htr.preprocess import InputSpec
from training.configfile import TrainConfig, read_config


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StageConfig(_Strict):
    """One backbone stage: ``convs`` 3x3 conv-BN-ReLU layers of ``channels``, then a max-pool."""

    channels: int = Field(gt=0)
    convs: int = Field(1, ge=1)
    pool: tuple[int, int] = (2, 2)


class BackboneConfig(_Strict):
    stages: list[StageConfig] = Field(default_factory=lambda: [
        StageConfig(channels=32, pool=(2, 2)), StageConfig(channels=64, pool=(2, 2)),
        StageConfig(channels=96, pool=(2, 1)), StageConfig(channels=128, pool=(2, 1)),
    ])


class NeckConfig(_Strict):
    """The sequence model over width: a bidirectional LSTM."""

    hidden: int = Field(128, gt=0)
    layers: int = Field(2, ge=1)
    dropout: float = Field(0.1, ge=0.0, lt=1.0)


class HeadConfig(_Strict):
    dropout: float = Field(0.1, ge=0.0, lt=1.0)


class ModelConfig(_Strict):
    name: str = "crnn"
    backbone: BackboneConfig = Field(default_factory=BackboneConfig)
    neck: NeckConfig = Field(default_factory=NeckConfig)
    head: HeadConfig = Field(default_factory=HeadConfig)


_SPEC = InputSpec()


class InputConfig(_Strict):
    """The configurable face of :class:`ocr.htr.preprocess.InputSpec` (its defaults are the spec's)."""

    height: int = _SPEC.height
    max_width: int = _SPEC.max_width
    min_width: int = _SPEC.min_width
    width_multiple: int = _SPEC.width_multiple
    downsample: int = _SPEC.downsample

    def spec(self) -> InputSpec:
        return InputSpec(**self.model_dump())


class AugmentConfig(_Strict):
    """Probabilities and strengths of the photometric and geometric line augmentations."""

    p_geometric: float = 0.7
    max_rotate: float = 1.5        # degrees
    max_shear: float = 0.25        # x shift per unit height
    p_elastic: float = 0.2
    p_morph: float = 0.3           # erosion or dilation of the ink
    p_blur: float = 0.3
    p_hard_blur: float = 0.0       # strong defocus or motion blur, as on the generator's `blur` pages
    p_noise: float = 0.4
    p_contrast: float = 0.8
    p_jpeg: float = 0.3
    p_pad: float = 0.7             # random paper padding around the crop
    p_stretch: float = 0.5         # horizontal stretch of the whole line
    max_stretch: float = 0.2


class SynthConfig(_Strict):
    """On-the-fly synthetic lines: shares of the text sources and the rendering."""

    address_share: float = Field(0.5, ge=0.0, le=1.0)   # the rest: ledger field contents
    max_chars: int = 90
    ruled_p: float = 0.3
    box_p: float = Field(0.0, ge=0.0, le=1.0)            # a form's box round the line (when not ruled)
    templates: list[str] = Field(default_factory=list)   # empty: every template
    # the writers (training.synth.handwriting.Hands); all off: the page generator's writers
    line_fonts: bool = False                             # also the fonts kept to training lines
    ballpoint_p: float = Field(0.0, ge=0.0, le=1.0)      # share of monoline ballpoint writers
    warp: float = Field(0.0, ge=0.0, le=0.3)             # largest glyph-shape warp, of the x-height


class LineSetConfig(_Strict):
    """A labelled line set (``labels.tsv``: image path relative to its folder, TAB, text), such as
    `hotich synth lines` crops of rendered pages or a Label Studio pull, and its share of lines."""

    labels: str
    share: float = Field(gt=0.0, le=1.0)


class DataConfig(_Strict):
    real_root: str = "../shared/data/htr-real"
    real_share: float = Field(0.5, ge=0.0, le=1.0)     # of training lines; then the line sets, the rest synthetic
    line_sets: list[LineSetConfig] = Field(default_factory=list)
    dev_lines: int = Field(200, ge=0)                   # held out of the real train split
    dev_synth_lines: int = Field(200, ge=0)
    # the dev CER that picks best.pt and drives patience: real (synthetic when there are no real
    # dev lines), synth, or mean (of the two; a phase aimed at synthetic lines without losing real ones)
    select: Literal["real", "synth", "mean"] = "real"
    real_limit: int | None = None                       # use at most this many real lines
    batch_size: int = 24
    bucket_batches: int = 8                             # lines sorted by width within this many batches
    workers: int = 1
    augment: AugmentConfig = Field(default_factory=AugmentConfig)
    synth: SynthConfig = Field(default_factory=SynthConfig)


class OptimConfig(_Strict):
    lr: float = 2e-3
    weight_decay: float = 1e-2
    schedule: Literal["onecycle", "cosine", "constant"] = "onecycle"
    warmup: float = Field(0.05, ge=0.0, lt=1.0)
    clip: float = 5.0


class ExperimentConfig(_Strict):
    model: ModelConfig = Field(default_factory=ModelConfig)
    input: InputConfig = Field(default_factory=InputConfig)
    data: DataConfig = Field(default_factory=DataConfig)
    optim: OptimConfig = Field(default_factory=OptimConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)

    @model_validator(mode="after")
    def _check_shares(self) -> "ExperimentConfig":
        total = self.data.real_share + sum(ls.share for ls in self.data.line_sets)
        if total > 1.0 + 1e-9:
            raise ValueError(f"data.real_share plus the line sets' shares (--data) is {total:.2f}; they must add up "
                             "to at most 1 (what remains is synthetic): lower a share")
        return self

    @model_validator(mode="after")
    def _check_patience(self) -> "ExperimentConfig":
        if self.train.patience and not (self.data.dev_lines or self.data.dev_synth_lines):
            raise ValueError("train.patience needs a validation split: set data.dev_lines or data.dev_synth_lines")
        needs = {"real": (), "synth": ("dev_synth_lines",), "mean": ("dev_lines", "dev_synth_lines")}[self.data.select]
        missing = [f"data.{key}" for key in needs if not getattr(self.data, key)]
        if missing:
            raise ValueError(f"data.select={self.data.select} needs {' and '.join(missing)} above 0")
        return self

    @model_validator(mode="after")
    def _check_downsample(self) -> "ExperimentConfig":
        total = 1
        for stage in self.model.backbone.stages:
            total *= stage.pool[1]
        if total != self.input.downsample:
            raise ValueError(f"backbone pools divide width by {total}, input.downsample says {self.input.downsample}")
        return self


def parse_data_spec(item: str) -> tuple[str, float]:
    """``--data`` ``PATH=SHARE`` (a labels.tsv, or a folder holding one such as a Label Studio
    pull) or ``real=SHARE`` -> (labels.tsv path or "real", share)."""
    name, sep, raw = item.rpartition("=")
    if not sep or not name:
        raise ValueError(f"--data {item}: give PATH=SHARE (a labels.tsv or a folder with one) or real=SHARE")
    try:
        share = float(raw)
    except ValueError:
        raise ValueError(f"--data {item}: the share {raw!r} is not a number; give a fraction such as 0.3") from None
    if name == "real":
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"--data {item}: the real share is a fraction in [0, 1] (0 turns real lines off)")
        return name, share
    if not 0.0 < share <= 1.0:
        raise ValueError(f"--data {item}: a share is a fraction of the training lines in (0, 1]")
    path = Path(name)
    labels = path / "labels.tsv" if path.is_dir() else path
    if not labels.is_file():
        raise ValueError(f"--data {item}: {labels} does not exist; give a labels.tsv or a folder that holds one "
                         "(`hotich annotate pull ... --out DIR`, `hotich synth lines ... --out DIR`)")
    return str(labels), share


def add_data_specs(tree: dict[str, Any], specs: list[str] | tuple[str, ...]) -> None:
    """Apply ``--data`` specs to a raw config tree: ``real=S`` sets data.real_share, ``PATH=S``
    appends a line set to data.line_sets; the rest of the lines stay synthetic."""
    data = tree.setdefault("data", {})
    seen_real = False
    for item in specs:
        name, share = parse_data_spec(item)
        if name == "real":
            if seen_real:
                raise ValueError(f"--data {item}: real=SHARE is given twice; give it once")
            seen_real = True
            data["real_share"] = share
        else:
            data["line_sets"] = [*data.get("line_sets", []), {"labels": name, "share": share}]


def load_config(path: Path | None = None, overrides: list[str] | tuple[str, ...] = (),
                seed: int | None = None, data: list[str] | tuple[str, ...] = ()) -> ExperimentConfig:
    """Defaults, then the YAML file, then ``key=value`` overrides, the seed and the ``--data``
    specs (:func:`add_data_specs`); one validation."""
    return read_config(ExperimentConfig, path, overrides, seed, edit=lambda tree: add_data_specs(tree, data))
