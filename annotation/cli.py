"""``hotich annotate``: push pages to Label Studio, pull ground truth back, print labeling configs."""

from __future__ import annotations

from pathlib import Path

import click

from ocr.templates import TemplateError, load_template

from annotation.client import BridgeError, LabelStudioClient, connection_settings
from annotation.labeling import page_config, review_config

_CONFIG = click.option("--config", "config", type=click.Path(path_type=Path, dir_okay=False), default=None,
                       help="YAML file with 'url' and 'token' (default: $HOTICH_LS_URL and $HOTICH_LS_TOKEN, "
                            "else ~/.config/hotich/label-studio.yaml).")


def _client(config: Path | None) -> LabelStudioClient:
    try:
        return LabelStudioClient(connection_settings(config))
    except BridgeError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def annotate() -> None:
    """Annotation with Label Studio: pre-annotated pages out, ground truth back in."""


@annotate.command()
@click.option("--project", required=True, help="Label Studio project title (created when missing).")
@click.option("--pages", "pages", required=True, multiple=True, type=click.Path(path_type=Path, exists=True),
              help="Page JSON files or folders of them (hotich synth output, or hotich draft's drafts/); repeatable.")
@click.option("--with-predictions", is_flag=True, help="Attach pre-annotations (drafts, or the page files themselves).")
@click.option("--drafts", type=click.Path(path_type=Path, exists=True, file_okay=False), default=None,
              help="A `hotich draft` output folder whose drafts/<page>.json are the predictions.")
@click.option("--select", "select", type=(click.Choice(["uncertain", "random"]), click.IntRange(min=1)),
              default=None, metavar="uncertain|random N",
              help="Push only N pages of the pool: those the active models are least sure of (scored on their "
                   "drafts: the pages themselves, --drafts, else drafted now), or N at random (the baseline).")
@click.option("--seed", type=int, default=None, help="Seed of --select random [default: 0].")
@click.option("--report", "report_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the selection's ranking (page ids and scores) to this JSON file.")
@_CONFIG
def push(project: str, pages: tuple[Path, ...], with_predictions: bool, drafts: Path | None,
         select: tuple[str, int] | None, seed: int | None, report_path: Path | None, config: Path | None) -> None:
    """Create or update PROJECT with pages (and their predictions).

    With --select, the pages given are a pool and only the N chosen from it are pushed; the
    ranking is printed (page ids and scores only). Example:

    \b
        hotich annotate push --project "KS 2004" --pages pool/ --drafts drafts-pool --select uncertain 50
    """
    from annotation.push import page_files, push_pages

    if select is None and (seed is not None or report_path is not None):
        raise click.UsageError("--seed and --report go with --select (e.g. --select random 50 --seed 1)")
    if seed is not None and select is not None and select[0] != "random":
        raise click.UsageError("--seed applies to --select random only; uncertain selection is deterministic")
    client = _client(config)
    try:
        files = page_files(pages)
        if select is not None:
            files = _selected(files, select, drafts, seed or 0, report_path)
        report = push_pages(client, project, files, with_predictions=with_predictions or drafts is not None,
                            drafts=drafts)
    except (BridgeError, TemplateError) as exc:
        raise click.ClickException(str(exc)) from None
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo(f"project {project!r} (id {report.project_id}): {len(report.created)} pages added, "
               f"{len(report.updated)} updated, {report.predictions} predictions attached")


def _selected(files: list[Path], select: tuple[str, int], drafts: Path | None, seed: int,
              report_path: Path | None) -> list[Path]:
    """The files of the pages chosen by ``select``, with the ranking printed (and written)."""
    from annotation.push import load_pages
    from annotation.select import select_pages
    from ocr.htr.bundle import ModelError
    from ocr.registry import RegistryError

    loaded = load_pages(files)
    method, count = select
    try:
        selection = select_pages(loaded, method, count, drafts=drafts, seed=seed, progress=True)
    except (ModelError, RegistryError) as exc:
        raise click.ClickException(str(exc)) from None
    for w in selection.warnings:
        click.echo(f"warning: {w}", err=True)
    how = f"at random (seed {seed})" if method == "random" else "by uncertainty (1 - field confidence)"
    click.echo(f"selected {len(selection.chosen)} of {len(loaded)} pages {how}:")
    for rank, r in enumerate(selection.ranking[:count], 1):
        click.echo(f"{rank:5d}  {r.page_id}" + ("" if r.score is None else f"  {r.score:.4f}"))
    if report_path is not None:
        selection.write(report_path)
        click.echo(f"ranking of all {len(loaded)} pages -> {report_path}")
    chosen = set(selection.chosen)
    return [f for f, (page, _) in zip(files, loaded) if page.id in chosen]


@annotate.command()
@click.option("--project", required=True, help="Label Studio project title.")
@click.option("--out", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for pages/, lines/, labels.tsv and report.json.")
@_CONFIG
def pull(project: str, out: Path, config: Path | None) -> None:
    """Export PROJECT's finished annotations as schema pages, line crops and labels.tsv."""
    from annotation.pull import REPORT, pull_project

    client = _client(config)
    try:
        report = pull_project(client, project, out)
    except BridgeError as exc:
        raise click.ClickException(str(exc)) from None
    for page_id, warnings in report.warnings.items():
        for w in warnings:
            click.echo(f"warning: {page_id}: {w}", err=True)
    click.echo(f"{len(report.pulled)} pages pulled ({report.lines} lines), {len(report.unlabeled)} not annotated, "
               f"{len(report.skipped)} skipped, {len(report.drafts_only)} with drafts only -> {out}")
    overall = report.to_dict()["agreement"]["overall"]
    if overall:
        click.echo(f"agreement on {len(report.agreement)} pages: records F1 {overall['records']['f1']:.3f}, "
                   f"fields F1 {overall['fields']['f1']:.3f}, lines F1 {overall['lines']['f1']:.3f}, "
                   f"text CER {overall['text_cer']:.2%} (details in {out / REPORT})")


@annotate.command("config")
@click.argument("templates", nargs=-1)
@click.option("--review", is_flag=True, help="The line review config instead of the page config.")
def config_cmd(templates: tuple[str, ...], review: bool) -> None:
    """Print the labeling config for ledger TEMPLATES (or the line review config)."""
    if review:
        click.echo(review_config(), nl=False)
        return
    if not templates:
        raise click.UsageError("name at least one template (see `hotich templates`), or use --review")
    try:
        click.echo(page_config([load_template(t) for t in templates]), nl=False)
    except TemplateError as exc:
        raise click.ClickException(str(exc)) from None


@annotate.command()
@click.option("--pages", "pages", required=True, multiple=True, type=click.Path(path_type=Path, exists=True),
              help="Page JSON files or folders of them; the first page is shown.")
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False), help="PNG file to write.")
@click.option("--work", type=click.Path(path_type=Path, file_okay=False), default=Path("out/ls-screenshot"),
              show_default=True, help="Data folder of the temporary Label Studio server.")
def screenshot(pages: tuple[Path, ...], out: Path, work: Path) -> None:
    """Screenshot a pre-annotated page in Label Studio's editor (local server, headless chromium)."""
    from annotation.screenshot import docs_screenshot
    from annotation.server import ServerError

    try:
        click.echo(f"wrote {docs_screenshot(list(pages), out, work)}")
    except (ServerError, BridgeError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from None
