"""``hotich models``: list, add, evaluate, compare, promote and roll back model bundles.

Bundles and the active choice live in :mod:`ocr.registry`; ``add`` exports a training run into a
bundle (torch is imported only there); ``eval`` and ``compare`` write reports with
:mod:`training.compare`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ocr.registry import TASKS, Bundle, RegistryError, active_bundle, get_bundle, list_bundles, promote, rollback

_TASK = click.option("--task", type=click.Choice(TASKS), default=None,
                     help="the task, where the reference alone does not say it ('shipped', 'active')")
_LABELS = click.option("--labels", "labels", multiple=True, metavar="[NAME=]LABELS.TSV",
                       help="a labelled line set to read (repeatable); 'real' is the fixed writer-disjoint "
                            "validation split of ../shared/data/htr-real")
_LAYOUT = click.option("--layout-data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
                       help="pages with ground truth (`hotich synth` output) for layout F1 per template")
_LIMIT = click.option("--limit", type=int, default=None, help="read at most this many layout pages")


def _evaluation_sets(command):
    """The options of the commands that evaluate bundles: task, line sets, layout pages, limit."""
    for option in reversed((_TASK, _LABELS, _LAYOUT, _LIMIT)):
        command = option(command)
    return command


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


def _bundle(ref: str, task: str | None) -> Bundle:
    try:
        return get_bundle(ref, task)
    except RegistryError as exc:
        raise _fail(exc) from None


def _pair(a: str, b: str, task: str | None) -> tuple[Bundle, Bundle]:
    """Two bundles of one task; 'active' or 'shipped' on one side take the task of the other."""
    named = [r for r in (a, b) if r not in ("active", "shipped")]
    if task is None and named:
        task = _bundle(named[0], None).task
    first, second = _bundle(a, task), _bundle(b, task)
    if first.task != second.task:
        raise click.ClickException(f"{first.id} is a {first.task} model and {second.id} a {second.task} model")
    return first, second


@click.group()
def models() -> None:
    """Model bundles: list, add a training run, evaluate, compare, promote, roll back."""


@models.command("list")
@_TASK
@click.option("--json", "as_json", is_flag=True, help="print one JSON object per bundle")
def list_command(task: str | None, as_json: bool) -> None:
    """Every bundle; the active one of each task is marked with *."""
    try:
        bundles = list_bundles(task)
        active = {t: active_bundle(t).id for t in ([task] if task else TASKS) if any(b.task == t for b in bundles)}
    except RegistryError as exc:
        raise _fail(exc) from None
    for b in bundles:
        info = {"id": b.id, "task": b.task, "active": active.get(b.task) == b.id, "shipped": b.shipped,
                "created": b.meta.get("created"), "parent": b.meta.get("parent"), "onnx": str(b.onnx),
                "size_mb": round(b.onnx.stat().st_size / 1e6, 2), "metrics": b.meta.get("metrics") or {}}
        if as_json:
            click.echo(json.dumps(info, ensure_ascii=False))
            continue
        origin = "shipped" if b.shipped else f"from {b.meta.get('parent') or 'scratch'}"
        click.echo(f"{'*' if info['active'] else ' '} {b.id:42s} {b.task:6s} {info['size_mb']:6.2f} MB  "
                   f"{str(info['created'] or '')[:10]:10s}  {origin}")


@models.command("add")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--checkpoint", "which", type=click.Choice(["best", "last"]), default="best", show_default=True,
              help="which checkpoint of a run folder")
@click.option("--quantize", is_flag=True, help="also write an int8 dynamic-quantized twin (model.int8.onnx); "
                                               "`hotich models eval` then measures both")
@click.option("--notes", default="", help="a line for the card (what changed, why)")
def add_command(source: Path, which: str, quantize: bool, notes: str) -> None:
    """Register a training run (its best.pt) or a checkpoint as a new bundle."""
    from training.bundle import add_bundle

    try:
        bundle = add_bundle(source, which=which, quantize=quantize, notes=notes)
    except (RegistryError, ValueError, FileNotFoundError) as exc:
        raise _fail(exc) from None
    click.echo(f"added {bundle.id} ({bundle.task}) in {bundle.folder}")


def _label_sets(labels: tuple[str, ...]) -> dict[str, Path]:
    """``NAME=PATH`` or ``PATH`` (named by its folder) or ``real``."""
    from training.htr.split import DEFAULT_ROOT, write_split

    sets: dict[str, Path] = {}
    for item in labels:
        name, _, path = item.rpartition("=")
        if item == "real":
            name, path = "real", str(write_split(DEFAULT_ROOT, Path("runs/valsets/htr-real"))[1])
        name = name or Path(path).parent.name or Path(path).stem
        if not Path(path).is_file():
            raise click.ClickException(f"--labels {item}: {path} is not a file; give a labels.tsv")
        if name in sets:
            raise click.ClickException(f"--labels: two sets are named {name!r}; name them NAME=PATH")
        sets[name] = Path(path)
    return sets


def _evaluate(bundle: Bundle, sets: dict[str, Path], layout_data: Path | None, limit: int | None,
              int8: bool = False) -> Any:
    """The bundle's :class:`training.compare.Evals` on the given sets."""
    from training.compare import Evals, evaluate_htr_bundle, evaluate_layout_bundle

    onnx = bundle.folder / str(bundle.meta["int8"]) if int8 else bundle.onnx
    try:
        if bundle.task == "htr":
            if not sets:
                raise click.ClickException("give the line sets to read with --labels (e.g. --labels real)")
            return Evals(htr=evaluate_htr_bundle(onnx, sets))
        if layout_data is None:
            raise click.ClickException("give pages with ground truth with --layout-data (`hotich synth` output)")
        return Evals(layout=evaluate_layout_bundle(onnx, layout_data, limit))
    except (ValueError, OSError) as exc:
        raise _fail(exc) from None


@models.command("eval")
@click.argument("ref")
@_evaluation_sets
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="report folder (default: runs/reports/<id>)")
@click.option("--record/--no-record", default=True, show_default=True,
              help="store the figures in a registered bundle's bundle.json and card")
def eval_command(ref: str, task: str | None, labels: tuple[str, ...], layout_data: Path | None, limit: int | None,
                 out: Path | None, record: bool) -> None:
    """Evaluate one bundle (and its int8 twin, if any); write a report with plots."""
    from training.compare import write_eval_report

    bundle = _bundle(ref, task)
    sets = _label_sets(labels)
    out = out or Path("runs/reports") / bundle.id
    evals = _evaluate(bundle, sets, layout_data, limit)
    summary = _summary(write_eval_report(bundle.id, evals.htr, evals.layout, out))[0]
    if bundle.meta.get("int8"):
        int8 = _evaluate(bundle, sets, layout_data, limit, int8=True)
        summary["int8"] = _summary(write_eval_report(f"{bundle.id} int8", int8.htr, int8.layout, out / "int8"))[0]
    if record and not bundle.shipped:
        from training.bundle import record_metrics

        record_metrics(bundle, "eval", summary)
    click.echo(json.dumps(summary, ensure_ascii=False))
    click.echo(f"report: {out / 'report.md'}")


def _summary(report: Path) -> list[dict[str, Any]]:
    """The headline figures of each model in the report.json beside ``report``: CER per source,
    calibration at the auto-accept threshold, speed (recognizers); F1 overall (layout)."""
    data = json.loads((report.parent / "report.json").read_text(encoding="utf-8"))
    out = []
    for model in data["models"]:
        entry: dict[str, Any] = {"model": model["name"]}
        if model.get("htr"):
            htr = model["htr"]
            entry["cer"] = {"all": htr["overall"]["cer"], **{k: v["cer"] for k, v in htr["sources"].items()}}
            entry["auto_accept"] = htr["calibration"]["auto_accept"]
            entry["ece"] = htr["calibration"]["ece"]
            entry["lines_per_s"] = htr["speed"]["lines_per_s"]
        if model.get("layout"):
            entry["layout"] = model["layout"]["overall"]
        out.append(entry)
    return out


@models.command("compare")
@click.argument("a")
@click.argument("b")
@_evaluation_sets
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="report folder (default: runs/reports/<a>-vs-<b>)")
def compare_command(a: str, b: str, task: str | None, labels: tuple[str, ...], layout_data: Path | None,
                    limit: int | None, out: Path | None) -> None:
    """Compare two bundles on the same sets: a Markdown report with plots (per source, per field
    type, Vietnamese vowel and tone confusions, calibration, layout F1 per template)."""
    from training.compare import write_compare_report

    first, second = _pair(a, b, task)
    sets = _label_sets(labels)
    out = out or Path("runs/reports") / f"{first.id}-vs-{second.id}"
    ea = _evaluate(first, sets, layout_data, limit)
    eb = _evaluate(second, sets, layout_data, limit)
    report = write_compare_report(first.id, ea, second.id, eb, out)
    for entry in _summary(report):
        click.echo(json.dumps(entry, ensure_ascii=False))
    click.echo(f"report: {report}")


@models.command("promote")
@click.argument("ref")
@_TASK
def promote_command(ref: str, task: str | None) -> None:
    """Make a bundle the default that drafting, the workbench and evaluation load."""
    try:
        bundle = promote(ref, task)
    except RegistryError as exc:
        raise _fail(exc) from None
    click.echo(f"{bundle.task}: {bundle.id} is active (`hotich models rollback --task {bundle.task}` undoes it)")


@models.command("rollback")
@click.option("--task", type=click.Choice(TASKS), required=True)
def rollback_command(task: str) -> None:
    """Restore the bundle that was active before the last promotion."""
    try:
        bundle = rollback(task)
    except RegistryError as exc:
        raise _fail(exc) from None
    click.echo(f"{task}: {bundle.id} is active again")


@models.command("calibrate")
@click.argument("ref")
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="synthetic pages with ground truth (`hotich synth` output; seeds not used in training)")
@click.option("--target", type=click.FloatRange(0.5, 1, max_open=True), default=0.99, show_default=True,
              help="precision the accepted fields of each type must reach")
@click.option("--min-fields", type=click.IntRange(min=1), default=50, show_default=True,
              help="types with fewer fields take the global threshold")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="only the first N pages")
@click.option("--threads", type=click.IntRange(min=1), default=None, help="recognizer threads")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="write here instead of the bundle's calibration.json (models/htr.calibration.json when shipped)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object instead of a table")
def calibrate_command(ref: str, data: Path, target: float, min_fields: int, limit: int | None, threads: int | None,
                      out: Path | None, as_json: bool) -> None:
    """Fit a recognizer's auto-accept threshold per field type: draft DATA's pages with it and keep,
    per type, the lowest confidence whose accepted fields reach --target precision (see ocr.calibration).

    Example: hotich models calibrate active --data /tmp/calib-set
    """
    from ocr.draft.accept import AUTO_ACCEPT
    from ocr.evaluation.report import table
    from training.calibrate import calibrate_bundle, calibration_rows

    bundle = _bundle(ref, "htr")
    try:
        cal, samples = calibrate_bundle(bundle, data, target=target, min_fields=min_fields, limit=limit,
                                        threads=threads)
    except ValueError as exc:
        raise _fail(exc) from None
    path = cal.save(out or bundle.calibration)
    rows, totals = calibration_rows(cal, samples)
    if as_json:
        click.echo(json.dumps({"path": str(path), "bundle": bundle.id, **cal.summary(), "totals": totals}))
        return
    click.echo(table(["field type", "fields", "threshold", "status", "auto-accept", "precision"], rows))

    def line(name: str) -> str:
        t = totals[name]
        prec = "-" if t["precision"] is None else f"{100 * t['precision']:.1f} %"
        return f"{100 * t['share']:.1f} % at {prec} precision"

    click.echo(f"calibration set: {cal.fitted_on.pages} pages, {cal.fitted_on.fields} fields; auto-accept "
               f"{line('calibrated')} (global {cal.fallback:.3f} for other types); at one threshold of "
               f"{AUTO_ACCEPT}: {line('global')}")
    click.echo(f"wrote {path}")
