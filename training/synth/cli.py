"""``hotich synth``: synthetic ledger pages (and ``hotich synth lines``: line crops)."""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path

import click
from tqdm import tqdm

from ocr.templates import TemplateError, load_template, template_names
from training.synth.book import PagePlan, plan_pages
from training.synth.degrade import HARD_CONDITIONS


def _templates(spec: str) -> list:
    names = template_names() if spec == "all" else [s.strip() for s in spec.split(",") if s.strip()]
    try:
        return [load_template(n) for n in names]
    except TemplateError as exc:
        raise click.BadParameter(str(exc), param_hint="--template") from None


def _conditions(spec: str | None) -> list[str] | None:
    if spec is None:
        return None
    conds = [c.strip() for c in spec.split(",") if c.strip() and c.strip() != "none"]
    bad = sorted(set(conds) - set(HARD_CONDITIONS))
    if bad:
        raise click.BadParameter(f"unknown condition(s) {bad}; choose from {', '.join(HARD_CONDITIONS)} or 'none'",
                                 param_hint="--conditions")
    return conds


def _render(plan: PagePlan):
    from training.synth.render import render_page  # imported in the worker
    return render_page(plan)


def _run(plans: list[PagePlan], workers: int, desc: str):
    """Render plans in order, in ``workers`` processes; output does not depend on ``workers``."""
    bar = tqdm(total=len(plans), desc=desc, unit="page")
    if workers <= 1:
        for plan in plans:
            yield _render(plan)
            bar.update()
    else:
        with mp.get_context("fork").Pool(workers) as pool:
            for rendered in pool.imap(_render, plans):
                yield rendered
                bar.update()
    bar.close()


def _options(required: bool):
    """The options shared by `hotich synth` and `hotich synth lines`."""
    options = [
        click.option("--template", "-t", "template", required=required, default=None,
                     help="Template name (file name in configs/ledgers without .yaml), several separated by "
                          "commas, or 'all'. See `hotich templates`."),
        click.option("--pages", "-n", type=click.IntRange(min=1), default=8, show_default=True,
                     help="Pages per template."),
        click.option("--seed", "-s", type=int, default=0, show_default=True, help="Same seed, same bytes."),
        click.option("--out", "-o", "out", type=click.Path(file_okay=False, path_type=Path), required=required,
                     default=None, help="Output folder (created)."),
        click.option("--conditions", default=None,
                     help=f"Force these hard conditions on every page (comma-separated: {', '.join(HARD_CONDITIONS)};"
                          " 'none' for mild pages only). Default: sampled per page."),
        click.option("--workers", "-j", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Processes rendering pages in parallel."),
        click.option("--column-jitter", type=click.FloatRange(0, 0.9), default=0.0, show_default=True,
                     help="Print each book with its own column widths: each width times a factor in "
                          "[1-J, 1+J] (books of other provinces and years). 0: the template's widths."),
    ]

    def decorate(f):
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def _plans(template: str, pages: int, seed: int, conditions: str | None, column_jitter: float) -> list[PagePlan]:
    forced = _conditions(conditions)
    return [p for t in _templates(template)
            for p in plan_pages(t, pages, seed, conditions=forced, column_jitter=column_jitter)]


@click.group(invoke_without_command=True, subcommand_metavar="[lines]")
@_options(required=False)
@click.option("--preview", is_flag=True, help="Also write contact_sheet.png: up to 8 pages, templates taken in turn.")
@click.pass_context
def synth(ctx: click.Context, template: str | None, pages: int, seed: int, out: Path | None,
          conditions: str | None, workers: int, column_jitter: float, preview: bool) -> None:
    """Generate synthetic ledger pages with exact ground truth.

    Writes OUT/<page>.jpg and OUT/<page>.json (the document schema: grid, records, fields,
    lines with polygons, baselines and transcriptions). Example:

    \b
        hotich synth --template ks_1999 --pages 20 --seed 1 --out data/synth --preview
    """
    if ctx.invoked_subcommand is not None:
        return
    if template is None or out is None:
        raise click.UsageError("--template and --out are required (or use `hotich synth lines`).")
    from training.synth.export import contact_sheet, write_page

    plans = _plans(template, pages, seed, conditions, column_jitter)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    written = [write_page(r, out) for r in _run(plans, workers, "pages")]
    elapsed = time.perf_counter() - start
    click.echo(f"{len(written)} pages in {elapsed:.1f} s ({len(written) / elapsed:.2f} pages/s) -> {out}", err=True)
    if preview:
        contact_sheet([out / p.image.path for p in _preview_pages(written)], out / "contact_sheet.png")
        click.echo(f"contact sheet: {out / 'contact_sheet.png'}", err=True)


def _preview_pages(pages: list, count: int = 8) -> list:
    """Up to ``count`` pages, taking the templates in turn so that each shows."""
    by_template: dict[str, list] = {}
    for page in pages:
        by_template.setdefault(page.template_id, []).append(page)
    queues = list(by_template.values())
    chosen: list = []
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    return chosen


@synth.command("lines")
@_options(required=True)
def synth_lines(template: str, pages: int, seed: int, out: Path, conditions: str | None, workers: int,
                column_jitter: float) -> None:
    """Generate handwritten line crops and OUT/labels.tsv for recognizer training.

    Renders synthetic pages and crops each legible handwritten line; labels.tsv has
    `relative/path<TAB>text` per line, the format of htr-real's labels.tsv.
    """
    from training.synth.export import write_lines

    plans = _plans(template, pages, seed, conditions, column_jitter)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str]] = []
    start = time.perf_counter()
    for rendered in _run(plans, workers, "pages"):
        rows += write_lines(rendered, out)
    (out / "labels.tsv").write_text("".join(f"{p}\t{t}\n" for p, t in rows), encoding="utf-8")
    elapsed = time.perf_counter() - start
    click.echo(f"{len(rows)} lines from {len(plans)} pages in {elapsed:.1f} s ({len(rows) / elapsed:.0f} lines/s) "
               f"-> {out / 'labels.tsv'}", err=True)
