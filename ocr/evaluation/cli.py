"""`hotich eval`: measure models on labelled data (subcommands parse options, libraries work)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ocr.evaluation.htr import (LabelsError, RecognizerUnavailable, evaluate_htr, load_recognizer,
                                model_identity, read_labels)
from ocr.evaluation.draft_cli import draft
from ocr.evaluation.layout_cli import layout
from ocr.evaluation.report import SCORE_HEADER, score_cells, table
from ocr.htr.lm import LM_BEAM

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("eval")
def evaluate() -> None:
    """Measure models on labelled data."""


@evaluate.command("htr")
@click.option("--labels", type=_FILE, required=True,
              help="labels.tsv: relative/path<TAB>text per line, paths relative to its folder.")
@click.option("--model", type=_FILE, default=None, help="ONNX recognizer [default: models/htr.onnx].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="onnxruntime intra-op threads [default: onnxruntime's choice].")
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True)
@click.option("--beam", type=click.IntRange(min=1), default=None,
              help="CTC beam width, 1: greedy [default: 8 with a language model, else 1].")
@click.option("--lm", "lm", metavar="FILE|none", default="default",
              help="character language model for the beam search (ARPA, gzip or plain) "
                   "[default: models/htr-lm.arpa.gz when it exists]; none: no language model.")
@click.option("--lm-weight", type=click.FloatRange(min=0.0), default=None,
              help="weight of the language model's log-probability [default: the one chosen on the dev lines].")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N lines.")
@click.option("--errors", "errors_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a TSV of every line not read exactly.")
def htr(labels: Path, model: Path | None, as_json: bool, threads: int | None, batch_size: int,
        beam: int | None, lm: str, lm_weight: float | None, limit: int | None, errors_out: Path | None) -> None:
    """Character and word error rates, line accuracy and speed of the line recognizer.

    A malformed labels row is a usage error naming its line; a missing or undecodable image is
    scored as an empty prediction and reported on stderr with its line number. Example:

    \b
        hotich eval htr --labels data/htr-split/val.tsv --json
    """
    try:
        rows = read_labels(labels, limit)
    except LabelsError as exc:
        raise click.BadParameter(str(exc), param_hint="--labels") from None
    try:
        recognizer = load_recognizer(model, threads, batch_size, lm=None if lm == "none" else lm,
                                     lm_weight=lm_weight)
    except RecognizerUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    language = getattr(recognizer, "lm", None)
    beam = beam or (LM_BEAM if language is not None else 1)
    used = language if beam > 1 else None  # greedy decoding reads no language model
    result = evaluate_htr(rows, recognizer, beam_width=beam, errors_out=errors_out, source=str(labels))
    for problem in result["problems"]:
        click.echo(problem, err=True)
    path, sha256 = model_identity(recognizer, model)
    result["labels"] = str(labels)
    result["model"] = str(path) if path else None
    result["model_sha256"] = sha256
    result["beam"] = beam
    result["lm"] = str(used.path) if used is not None else None
    result["lm_sha256"] = used.sha256 if used is not None else None
    result["lm_weight"] = recognizer.lm_weight if used is not None else None
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    cells = dict(zip(SCORE_HEADER, score_cells(result)))
    cells |= {"unreadable": result["unreadable"], "model": result["model"], "sha256": result["model_sha256"],
              "beam": beam, "language model": result["lm"] or "none"}
    click.echo(table(["", "value"], list(cells.items())))
    if errors_out is not None:
        click.echo(f"errors: {errors_out}", err=True)


evaluate.add_command(layout)
evaluate.add_command(draft)
