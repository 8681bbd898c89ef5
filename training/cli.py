"""`hotich train ...` and `hotich export ...`: thin click commands over ``training.htr`` and
``training.layout``."""

from __future__ import annotations

import json

from collections.abc import Callable
from pathlib import Path

import click


def run_options(command: Callable) -> Callable:
    """The options every training command takes: config, run folder, seed, resume, overrides."""
    for option in reversed((
        click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     required=True),
        click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="run folder (default: runs/<config name>)"),
        click.option("--seed", type=int, default=None, help="overrides train.seed"),
        click.option("--resume", is_flag=True, help="continue from OUT/last.pt"),
        click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                     help="dotted config override, repeatable"),
    )):
        command = option(command)
    return command


@click.group()
def train() -> None:
    """Train models."""


INIT_HELP = ("fine-tune from these weights (fresh optimizer and schedule): a .pt checkpoint, or a model bundle: "
             "shipped, active, a bundle id (or unique prefix) or folder")


@train.command("htr")
@run_options
@click.option("--init", metavar="CKPT|BUNDLE", default=None, help=INIT_HELP)
@click.option("--data", "data", multiple=True, metavar="PATH=SHARE|real=SHARE",
              help="add a labels.tsv line set (or a folder holding one) at SHARE of the training lines, or set "
                   "the real lines' share; repeatable; the rest is on-the-fly synthetic")
def train_htr_command(config_path: Path, out: Path | None, seed: int | None, resume: bool, init: str | None,
                      data: tuple[str, ...], overrides: tuple[str, ...]) -> None:
    """Train the CTC line recognizer."""
    from training.htr.config import load_config
    from training.htr.train import Run

    try:
        cfg = load_config(config_path, overrides, seed, data)
        run = Run(cfg, out or Path("runs") / config_path.stem, resume, init=init)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"done: {run.train()}")


@train.command("htr-seq2seq")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=Path("configs/htr/trocr.yaml"), show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--seed", type=int, default=None)
@click.option("--minutes", type=click.FloatRange(min=0.1), default=None,
              help="stop after this much wall clock (or at train.steps, whichever comes first)")
@click.option("--eval", "eval_sets", multiple=True, metavar="NAME=LABELS.TSV",
              help="score the trained model on this labelled line set at the end (repeatable)")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="override a config key")
def train_seq2seq_command(config_path: Path, out: Path, seed: int | None, minutes: float | None,
                          eval_sets: tuple[str, ...], overrides: tuple[str, ...]) -> None:
    """Train the TrOCR-style encoder-decoder from scratch (for comparison with the CTC model; not shipped)."""
    from training.htr.seq2seq import load_seq2seq_config, train_seq2seq

    sets = {}
    for item in eval_sets:
        name, sep, path = item.partition("=")
        if not sep or not Path(path).is_file():
            raise click.BadParameter(f"{item!r}: give NAME=LABELS.TSV with an existing file", param_hint="--eval")
        sets[name] = Path(path)
    try:
        cfg = load_seq2seq_config(config_path, overrides, seed)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(train_seq2seq(cfg, out, minutes=minutes, eval_labels=sets)))


@train.command("htr-eval")
@click.option("--checkpoint", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--lines", "labels", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="a labels.tsv (default: the real validation split)")
@click.option("--errors", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="write reference<TAB>prediction of every line here")
@click.option("--onnx", "onnx_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="also score this exported model with onnxruntime and time it (2 threads, batches of 16)")
def evaluate_htr_command(checkpoint: Path, labels: Path | None, errors: Path | None, onnx_path: Path | None) -> None:
    """CER / WER / line accuracy of a checkpoint (torch greedy decoding)."""
    from training.htr.export import evaluate_checkpoint, evaluate_exported

    scores, pairs = evaluate_checkpoint(checkpoint, labels)
    if errors:
        errors.write_text("".join(f"{r}\t{p}\n" for r, p in pairs), encoding="utf-8")
    click.echo(f"torch: cer={scores.cer:.4f} wer={scores.wer:.4f} line_acc={scores.line_acc:.4f} lines={scores.lines}")
    if onnx_path:
        scores, speed = evaluate_exported(checkpoint, onnx_path, labels)
        click.echo(f"onnx:  cer={scores.cer:.4f} wer={scores.wer:.4f} line_acc={scores.line_acc:.4f} "
                   f"lines={scores.lines} speed={speed:.1f} lines/s ({1000 / speed:.2f} ms/line)")


@train.command("htr-lines")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--lines", "count", type=int, default=500, show_default=True)
@click.option("--seed", type=int, required=True, help="use a seed never used in training")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="override a config key, as in `hotich train htr` (e.g. data.synth.ballpoint_p=0.6)")
def synth_lines_command(config_path: Path, count: int, seed: int, out: Path, overrides: tuple[str, ...]) -> None:
    """Write synthetic evaluation lines (as trained on, augmented) with OUT/labels.tsv."""
    from training.htr.config import load_config
    from training.htr.data import write_synth_lines

    click.echo(f"wrote {write_synth_lines(load_config(config_path, overrides).data, count, seed, out)}")


@train.command("lm")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("models/htr-lm.arpa.gz"),
              show_default=True)
@click.option("--seed", type=int, default=None, help="overrides seed")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="config override, repeatable")
def train_lm_command(config_path: Path, out: Path, seed: int | None, overrides: tuple[str, ...]) -> None:
    """Build the recognizer's character language model (gzip ARPA) for beam search."""
    from training.htr.lm import build_lm, load_lm_config

    try:
        cfg = load_lm_config(config_path, overrides, seed)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--config/--set") from None
    build_lm(cfg, out, log=click.echo)


@click.group()
def export() -> None:
    """Export trained models."""


@export.command("htr")
@click.option("--checkpoint", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("models/htr.onnx"))
@click.option("--quantize", is_flag=True, help="also write an int8 dynamic-quantized twin (OUT stem + .int8.onnx)")
@click.option("--torch-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="also write the weights without optimizer state here (e.g. models/htr.pt)")
def export_htr_command(checkpoint: Path, out: Path, quantize: bool, torch_out: Path | None) -> None:
    """Export a recognizer checkpoint to ONNX with its charset and input spec inside."""
    from training.htr.export import export_onnx, slim_htr_checkpoint
    from training.onnxfile import quantize_onnx

    path = export_onnx(checkpoint, out)
    click.echo(f"wrote {path} and {path.with_suffix('.charset.json')}")
    if quantize:
        click.echo(f"wrote {quantize_onnx(path)}")
    if torch_out:
        click.echo(f"wrote {slim_htr_checkpoint(checkpoint, torch_out)}")


@train.command("layout")
@run_options
@click.option("--init", metavar="CKPT|BUNDLE", default=None, help=INIT_HELP)
@click.option("--data", "data_dirs", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="a folder of schema page JSON + images (a Label Studio pull's pages/, `hotich synth` output) "
                   "mixed into the training crops at data.extra_share; repeatable")
def train_layout_command(config_path: Path, out: Path | None, seed: int | None, resume: bool, init: str | None,
                         data_dirs: tuple[Path, ...], overrides: tuple[str, ...]) -> None:
    """Train the layout U-Net (renders its training pages first when they are missing)."""
    from training.layout.config import load_layout_config
    from training.layout.train import LayoutRun

    try:
        cfg = load_layout_config(config_path, overrides, seed, data_dirs)
        run = LayoutRun(cfg, out or Path("runs") / config_path.stem, resume, init=init)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"done: {run.train()}")


@export.command("layout")
@click.option("--checkpoint", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("models/layout.onnx"))
@click.option("--torch-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="also write the weights without optimizer state here (e.g. models/layout.pt)")
def export_layout_command(checkpoint: Path, out: Path, torch_out: Path | None) -> None:
    """Export a layout checkpoint to ONNX with its channels and input spec inside."""
    from training.layout.export import export_layout, slim_layout_checkpoint

    click.echo(f"wrote {export_layout(checkpoint, out)}")
    if torch_out:
        click.echo(f"wrote {slim_layout_checkpoint(checkpoint, torch_out)}")
