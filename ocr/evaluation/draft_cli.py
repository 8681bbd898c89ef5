"""`hotich eval draft`: score the drafting pipeline on pages with ground truth.

Registered in the `hotich eval` group (``evaluate.add_command(draft)``)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.core import ParameterSource

from ocr.calibration import Calibration, CalibrationError, calibration_for_model, load_for_model
from ocr.draft.accept import AUTO_ACCEPT
from ocr.draft.pipeline import DEFAULT_LAYOUT
from ocr.draft.readers import DEFAULT_BEAM, READERS
from ocr.evaluation.draft import KEYS, evaluate_draft
from ocr.evaluation.report import table
from ocr.htr.bundle import ModelError, default_model_path
from ocr.htr.tesseract import NotInstalled
from ocr.layout import ANALYZERS


def render(result: dict) -> str:
    """The scores as a two-column table, with the counts below."""
    def cell(key: str) -> str:
        v = result[key]
        if v is None:
            return "-"
        if key in ("pages_per_s", "peak_rss_mb"):
            return f"{v:.2f}" if key == "pages_per_s" else f"{v:.0f}"
        return f"{100 * v:.2f} %"

    rows = [[k, cell(k)] for k in KEYS]
    def precision(t: dict) -> str:
        return "-" if t["auto_accept_precision"] is None else f"{100 * t['auto_accept_precision']:.1f} %"

    types = [[kind, t["fields"], f"{100 * t['field_accuracy']:.1f} %", f"{100 * t['field_cer']:.1f} %",
              f"{100 * t['effort']:.1f} %", f"{t['threshold']:.3f}", f"{100 * t['auto_accept_share']:.1f} %",
              precision(t)]
             for kind, t in result["by_type"].items()]
    cal = result.get("calibration")
    accept = (f"calibrated per-type thresholds ({cal['path']}, target {100 * cal['target']:g} %)" if cal
              else f"confidence >= {result['threshold']}")
    counts = (f"{result['pages']} pages ({result['failed_pages']} failed), {result['fields']} fields, records: "
              f"{result['records_matched']} matched of {result['records_true']} true and "
              f"{result['records_drafted']} drafted; recognizer {result['recognizer']}, auto-accept at {accept}")
    per_type = table(["field type", "fields", "accuracy", "CER", "effort", "threshold", "auto-accept", "precision"],
                     types)
    templates = [[tid, t["fields"], f"{100 * t['field_accuracy']:.1f} %", f"{100 * t['field_cer']:.1f} %",
                  f"{100 * t['effort']:.1f} %", f"{100 * t['auto_accept_share']:.1f} %", precision(t)]
                 for tid, t in result["by_template"].items()]
    per_template = table(["template", "fields", "accuracy", "CER", "effort", "auto-accept", "precision"], templates)
    return table(["", "value"], rows) + "\n\n" + per_type + "\n\n" + per_template + "\n" + counts


@click.command("draft")
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="Folder of page images with ground-truth JSON (as written by `hotich synth`).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--recognizer", type=click.Choice(READERS), default="ours", show_default=True)
@click.option("--model", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="ONNX recognizer [default: models/htr.onnx].")
@click.option("--layout", type=click.Choice(sorted(ANALYZERS)), default=DEFAULT_LAYOUT, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=None, help="Recognizer threads.")
@click.option("--beam", type=click.IntRange(min=1), default=DEFAULT_BEAM, show_default=True)
@click.option("--threshold", type=click.FloatRange(0, 1), default=AUTO_ACCEPT, show_default=True,
              help="One confidence for every field type at which a field counts as auto-acceptable "
                   "(instead of the recognizer's calibration).")
@click.option("--calibration", "calibration_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Per-type thresholds (`hotich models calibrate`) [default: the recognizer's "
                                 "own calibration.json, if any, else --threshold].")
@click.option("--no-calibration", is_flag=True, help="Use --threshold even if the recognizer has a calibration.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N pages.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="Also write every wrong field (page, record, key, type, truth, draft, confidence) to this "
                   "JSON Lines file, for error analysis. It holds the pages' text: keep it with the pages.")
@click.pass_context
def draft(ctx: click.Context, data: Path, as_json: bool, recognizer: str, model: Path | None, layout: str,
          threads: int | None, beam: int, threshold: float, calibration_path: Path | None, no_calibration: bool,
          limit: int | None, errors_path: Path | None) -> None:
    """Field accuracy, field CER, officer effort, auto-acceptance and speed of `hotich draft`.

    Auto-acceptance uses the recognizer's calibrated per-type thresholds when it has them
    (`hotich models calibrate`), else one global --threshold; the output says which
    ("calibration").

    Example: hotich eval draft --data data/synth --json --errors wrong.jsonl
    """
    explicit = ctx.get_parameter_source("threshold") is not ParameterSource.DEFAULT
    if calibration_path is not None and (explicit or no_calibration):
        raise click.UsageError("--calibration goes with neither --threshold nor --no-calibration; give one of them")
    wrong: list[dict] = []
    try:
        calibration = _calibration(recognizer, model, calibration_path, off=no_calibration or explicit)
        result = evaluate_draft(data, recognizer=recognizer, model=model, threads=threads, beam_width=beam,
                                layout=layout, threshold=threshold, limit=limit,
                                calibration=calibration[0] if calibration else None,
                                on_wrong=wrong.append if errors_path else None)
        if calibration is not None:
            result["calibration"] = {"path": str(calibration[1]), **result["calibration"]}
    except (ModelError, NotInstalled, CalibrationError) as exc:  # all ValueErrors: caught first
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if errors_path is not None:
        errors_path.write_text("".join(json.dumps(w, ensure_ascii=False) + "\n" for w in wrong), encoding="utf-8")
    for problem in result.pop("problems"):
        click.echo(problem, err=True)
    click.echo(json.dumps(result, ensure_ascii=False) if as_json else render(result))


def _calibration(recognizer: str, model: Path | None, path: Path | None, *,
                 off: bool) -> tuple[Calibration, Path] | None:
    """The calibration to score with and its file: ``--calibration`` (checked against our recognizer),
    else, unless ``off``, our recognizer's own (None when it has none)."""
    ours = recognizer == "ours"
    if path is not None:
        return load_for_model(path, (model or default_model_path()) if ours else None), path
    return calibration_for_model(model) if ours and not off else None
