"""`hotich eval layout`: score a layout analyzer on pages with ground-truth JSON.

The lead registers :func:`layout` in the `hotich eval` group (``evaluate.add_command(layout)``)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ocr.evaluation.layout import KINDS, LayoutReport, evaluate_layout, page_files
from ocr.evaluation.report import table
from ocr.layout import ANALYZERS, get_analyzer


def _rows(report: LayoutReport, prefix: str) -> list[list[str]]:
    rows = []
    for key in sorted(k for k in report.groups if k.startswith(prefix)):
        s = report.summary(key)
        rows.append([key.removeprefix(prefix) or key, str(report.pages[key]),
                     *[f"{s[f'{k}_f1']:.3f} / {s[f'{k}_f1_75']:.3f}" for k in KINDS]])
    return rows


def render(report: LayoutReport) -> str:
    """Tables of F1 at IoU 0.5 / 0.75: overall, per template, per hard condition, dense tables."""
    head = ["", "pages", "record F1 @.5/.75", "cell F1 @.5/.75", "line F1 @.5/.75"]
    j = report.to_json()
    parts = [table(["group", *head[1:]], _rows(report, "all") + _rows(report, "dense")),
             table(["template", *head[1:]], _rows(report, "template:")),
             table(["condition", *head[1:]], _rows(report, "condition:")),
             f"{j['pages']} pages, {j['pages_per_s']:.2f} pages/s (analysis only), {j['warnings']} warnings"]
    return "\n\n".join(parts)


@click.command("layout")
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="Folder of page images with ground-truth JSON (as written by `hotich synth`).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.option("--analyzer", "analyzers", type=click.Choice(sorted(ANALYZERS)), multiple=True,
              help="Analyzer to score (default: classical); repeat it to compare several in one table.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N pages.")
def layout(data: Path, as_json: bool, analyzers: tuple[str, ...], limit: int | None) -> None:
    """Record, cell and text-line F1 (IoU >= 0.5 and 0.75) and pages/s of a layout analyzer.

    Example: hotich eval layout --data data/synth --json;
    hotich eval layout --data data/synth --analyzer learned --analyzer classical
    """
    if not page_files(data, limit):
        raise click.UsageError(f"no page JSON with an image beside it in {data}")
    names = list(dict.fromkeys(analyzers or ("classical",)))
    try:
        found = {name: get_analyzer(name) for name in names}
    except ValueError as exc:  # a model that is missing or unusable says what to do
        raise click.ClickException(str(exc)) from exc
    reports = {name: evaluate_layout(data, a, limit) for name, a in found.items()}
    if len(reports) == 1:
        report = reports[names[0]]
        click.echo(json.dumps(report.to_json(), ensure_ascii=False) if as_json else render(report))
    elif as_json:
        click.echo(json.dumps({n: r.to_json() for n, r in reports.items()}, ensure_ascii=False))
    else:
        click.echo(compare(reports))


def compare(reports: dict[str, LayoutReport]) -> str:
    """One table: per group (all, dense, template, condition), each analyzer's F1 at IoU 0.5 and
    0.75 for records, cells and lines, side by side; then each analyzer's speed."""
    names = list(reports)
    first = reports[names[0]]
    keys = sorted(first.groups, key=lambda k: (k.split(":")[0] != "all", k.startswith("condition:"), k))
    rows = []
    for key in keys:
        for n in names:
            s = reports[n].summary(key) if key in reports[n].groups else None
            cells = [f"{s[f'{k}_f1']:.3f} / {s[f'{k}_f1_75']:.3f}" if s else "-" for k in KINDS]
            rows.append([key if n == names[0] else "", n, str(reports[n].pages.get(key, 0)), *cells])
    speeds = ", ".join(f"{n} {r.to_json()['pages_per_s']:.2f} pages/s" for n, r in reports.items())
    return table(["group", "analyzer", "pages", "record F1 @.5/.75", "cell F1 @.5/.75", "line F1 @.5/.75"],
                 rows) + f"\n\n{first.to_json()['pages']} pages; analysis only: {speeds}"
