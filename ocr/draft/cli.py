"""`hotich draft`: machine-filled drafts of a book's scanned pages."""

from __future__ import annotations

from pathlib import Path

import click

from ocr.draft.pipeline import DEFAULT_LAYOUT, BookInfo, DraftSettings
from ocr.draft.readers import DEFAULT_BEAM
from ocr.draft.run import default_threads, run_draft
from ocr.htr.bundle import ModelError
from ocr.layout import ANALYZERS
from ocr.templates import TemplateError, load_template, template_names

MAX_LISTED = 20  # failed inputs listed before "... and N more"


@click.command("draft")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--template", "-t", required=True, help=f"Ledger template: {', '.join(template_names())}.")
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder of the book (re-running into it resumes).")
@click.option("--book-type", default=None, help="KS, KT, KH, CMC or NCN [default: the template's].")
@click.option("--year", type=click.IntRange(1900, 2100), default=None, help="The book's year [default: the "
              "template's first year].")
@click.option("--volume", default=None, help="The book's volume (quyển số) [default: 01].")
@click.option("--unit", default=None, help='"province,district,commune" of the book, e.g. '
              '"Tỉnh Bình Dương,Huyện Dầu Tiếng,Xã Định Hiệp".')
@click.option("--workers", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Pages drafted in parallel (each worker loads the models once).")
@click.option("--layout", type=click.Choice(sorted(ANALYZERS)), default=DEFAULT_LAYOUT, show_default=True)
@click.option("--model", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="ONNX recognizer [default: models/htr.onnx].")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="onnxruntime threads per worker [default: the cores shared among the workers].")
@click.option("--beam", type=click.IntRange(min=1), default=DEFAULT_BEAM, show_default=True,
              help="Beam width of the constrained decoding.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no warnings.")
def draft(inputs: tuple[Path, ...], template: str, out: Path, book_type: str | None, year: int | None,
          volume: str | None, unit: str | None, workers: int, layout: str, model: Path | None,
          threads: int | None, beam: int, quiet: bool) -> None:
    """Draft the pages of INPUTS (JPEG, PNG, TIFF, PDF files or folders of them) into OUT.

    Writes drafts/<page>.json, pagexml/<page>.xml, records/ (one file per record), <book type>.xlsx
    and summary.json. Pages drafted before with the same settings are skipped; changed files are
    drafted again. Exit status 1 when any input could not be drafted (each is listed with why).
    Example:

    \b
        hotich draft scans/so-ks-1999/ --template ks_1999 --year 1999 --volume 02 --out drafts/ks-1999-02
    """
    try:
        t = load_template(template)
        book = BookInfo.for_template(t, book_type=book_type, year=year, volume=volume, unit=unit)
    except (TemplateError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    settings = DraftSettings(template=t.id, book=book, layout=layout, model=model,
                             threads=threads or default_threads(workers), beam_width=beam)
    try:
        report = run_draft(list(inputs), settings, out, workers=workers, progress=not quiet)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None
    if not quiet:
        for w in report.warnings:
            click.echo(f"warning: {w}", err=True)
    speed = f" ({report.pages_per_s:.2f} pages/s)" if report.drafted else ""
    click.echo(f"{report.drafted} page(s) drafted{speed}, {report.skipped} unchanged, {len(report.failed)} failed, "
               f"in {report.seconds:.1f} s -> {out}", err=True)
    if report.failed:
        click.echo("not drafted:", err=True)
        for name, why in report.failed[:MAX_LISTED]:
            click.echo(f"  {why}" if why.startswith(name) else f"  {name}: {why}", err=True)
        if len(report.failed) > MAX_LISTED:
            click.echo(f"  ... and {len(report.failed) - MAX_LISTED} more (see {out}/summary.json)", err=True)
        click.echo("fix these inputs and run the same command again: finished pages are kept", err=True)
        raise SystemExit(1)
