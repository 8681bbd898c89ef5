"""`hotich bench`: our models beside baseline systems on the same data."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ocr.evaluation.htr import LabelsError
from ocr.evaluation.report import SCORE_HEADER, score_cells, table
from training.bench.htr import OK, bench_htr

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def bench() -> None:
    """Compare our models with baseline systems."""


@bench.command("htr")
@click.option("--labels", type=_FILE, required=True,
              help="labels.tsv: relative/path<TAB>text per line, paths relative to its folder.")
@click.option("--model", type=_FILE, default=None, help="Our ONNX recognizer [default: models/htr.onnx].")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N lines.")
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
              help="CPU threads each system may use (processes for Tesseract).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def htr(labels: Path, model: Path | None, limit: int | None, threads: int, as_json: bool) -> None:
    """Our line recognizer (greedy, and beam search with the language model), Tesseract (vie,
    --psm 7) and PP-OCRv6 (rapidocr, recognition only).

    Each system reads the same lines; a system whose tool is missing is reported with how to
    install it. Example:

    \b
        hotich bench htr --labels data/htr-split/val.tsv --limit 100
    """
    try:
        results = bench_htr(labels, model, limit, threads)
    except LabelsError as exc:
        raise click.BadParameter(str(exc), param_hint="--labels") from None
    for problem in sorted({p for r in results for p in r.get("problems", [])}):
        click.echo(problem, err=True)
    if as_json:
        for r in results:
            r.pop("problems", None)
        click.echo(json.dumps({"labels": str(labels), "threads": threads, "systems": results},
                              ensure_ascii=False))
        return
    rows = [[r["system"]] + (score_cells(r) if r["status"] == OK else ["-"] * len(SCORE_HEADER))
            + [r["detail"] if r["status"] == OK else r["status"]] for r in results]
    click.echo(table(["system"] + SCORE_HEADER + ["notes"], rows))
