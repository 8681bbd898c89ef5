"""Evaluation and comparison reports of model bundles: ``OUT/report.md`` (Markdown tables),
``OUT/report.json`` (every figure) and PNG plots beside them.

A comparison puts model A and model B side by side; every difference is B - A (percentage
points for rates). Timings are kept under ``speed`` in report.json, apart from the figures.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ocr.draft.accept import AUTO_ACCEPT
from training.compare import plots
from training.compare.confusions import TONE_NAMES, TOP
from training.compare.htr_eval import HtrEval
from training.compare.layout_eval import FIGURES, LayoutEval
from training.compare.markdown import pct, pp, table

RATES = ("cer", "wer", "line_acc")
LABELS = {"cer": "CER", "wer": "WER", "line_acc": "line acc", "record_f1": "record F1", "cell_f1": "cell F1",
          "line_f1": "line F1"}


class Evals(NamedTuple):
    """What was measured of one model bundle (either may be missing)."""

    htr: HtrEval | None = None
    layout: LayoutEval | None = None


Named = list[tuple[str, dict[str, Any]]]  # (model name, its report.json entry for one task)


def _group_table(models: Named, section: str, label: str, metrics: Sequence[str]) -> str:
    """Rows per group of ``section`` with each metric for every model, and B - A for two."""
    groups = sorted({g for _, m in models for g in m[section]})
    headers, rows = [label, "lines" if section != "templates" else "pages"], []
    for metric in metrics:
        headers += [f"{LABELS[metric]} {name}" for name, _ in models]
        headers += [f"Δ {LABELS[metric]}"] if len(models) == 2 else []
    for g in groups:
        vals = [m[section].get(g) for _, m in models]
        count = next(v.get("lines", v.get("pages")) for v in vals if v)
        row: list[Any] = [g, count]
        for metric in metrics:
            got = [v[metric] if v else None for v in vals]
            row += [pct(x) for x in got] + ([pp(*got)] if len(models) == 2 else [])
        rows.append(row)
    return table(headers, rows)


def _confusion_tables(models: Named, top: int = TOP) -> list[str]:
    """The top confusions of each kind: the union of every model's top ``top``, with all counts."""
    kinds = (("tones", "tone (reference -> predicted)"), ("marks", "vowel mark (reference -> predicted)"),
             ("substitutions", "other substitution"), ("deleted", "tone-marked vowel deleted"),
             ("inserted", "tone-marked vowel inserted"))
    out = []
    for key, title in kinds:
        counts = [{x.get("char") or f"{x['ref']} -> {x['hyp']}": x["count"] for x in m["confusions"][key]}
                  for _, m in models]
        shown = list(dict.fromkeys(k for c in counts for k in list(c)[:top]))
        if not shown:
            continue
        shown.sort(key=lambda k: -max(c.get(k, 0) for c in counts))
        rows = [[k, *[c.get(k, 0) for c in counts], *([counts[1].get(k, 0) - counts[0].get(k, 0)]
                                                      if len(models) == 2 else [])] for k in shown]
        out.append(table([title, *[n for n, _ in models], *(["Δ"] if len(models) == 2 else [])], rows))
    return out


def _htr_sections(models: Named) -> list[str]:
    out = ["## Handwriting recognition",
           table(["model", "sha256", "lines", "CER", "WER", "line acc", "lines/s"],
                 [[n, m["sha256"][:12], m["overall"].get("lines"), pct(m["overall"].get("cer")),
                   pct(m["overall"].get("wer")), pct(m["overall"].get("line_acc")),
                   f"{m['speed']['lines_per_s']:.1f}"] for n, m in models]),
           "### Per source", _group_table(models, "sources", "source", RATES),
           "### Per field type", _group_table(models, "field_types", "field type", RATES),
           "### Vietnamese confusions",
           table(["model", "tone confusions", "per reference vowel", "vowel-mark confusions",
                  "tone-marked vowels deleted", "inserted"],
                 [[n, c["tone_confusions"], pct(c["tone_error_rate"]), c["mark_confusions"],
                   c["tone_marked_deleted"], c["tone_marked_inserted"]]
                  for n, c in ((n, m["confusions"]) for n, m in models)]),
           *_confusion_tables(models),
           "![tone confusions](tone_confusions.png)",
           f"### Calibration (auto-accept threshold {AUTO_ACCEPT})",
           table(["model", "ECE"], [[n, f"{m['calibration']['ece']:.4f}"] for n, m in models])]
    thresholds = [t["threshold"] for t in models[0][1]["calibration"]["thresholds"]]
    rows = []
    for k, t in enumerate(thresholds):
        row: list[Any] = [f"{t}" + (" (auto-accept)" if t == AUTO_ACCEPT else "")]
        for _, m in models:
            c = m["calibration"]["thresholds"][k]
            row += [pct(c["coverage"]), pct(c["precision"])]
        rows.append(row)
    out.append(table(["confidence ≥", *[f"{h} {n}" for n, _ in models for h in ("coverage", "precision")]], rows))
    bins = [[f"{b['lo']:.1f}–{b['hi']:.1f}"] for b in models[0][1]["calibration"]["bins"]]
    for _, m in models:
        for row, b in zip(bins, m["calibration"]["bins"]):
            row += [b["lines"], pct(b["confidence"]), pct(b["accuracy"])]
    out.append(table(["confidence", *[f"{h} {n}" for n, _ in models for h in ("lines", "mean conf", "exact")]], bins))
    out.append("![reliability](reliability.png)\n\n![CER per source](cer_by_source.png)\n\n"
               "![CER per field type](cer_by_field_type.png)")
    return out


def _layout_sections(models: Named) -> list[str]:
    both = [(n, {"templates": {"all": m["overall"], **m["templates"]}}) for n, m in models]
    return ["## Layout (F1 at IoU 0.5)", _group_table(both, "templates", "template", FIGURES)]


def _diff(a: Any, b: Any) -> Any:
    """b - a for every number both share (recursively through dicts), None where one is missing."""
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _diff(a.get(k), b.get(k)) for k in a.keys() | b.keys() if k not in ("model", "sha256", "problems")}
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return b - a
    return None


def _plots(models: Named, out: Path) -> None:
    plots.grouped_bars({n: {g: v["cer"] for g, v in m["sources"].items()} for n, m in models}, "CER",
                       out / "cer_by_source.png")
    plots.grouped_bars({n: {g: v["cer"] for g, v in m["field_types"].items()} for n, m in models}, "CER",
                       out / "cer_by_field_type.png")
    plots.reliability_diagram({n: m["calibration"]["bins"] for n, m in models}, out / "reliability.png")
    plots.tone_heatmaps({n: m["confusions"]["tone_matrix"]["counts"] for n, m in models}, TONE_NAMES,
                        out / "tone_confusions.png")


def _write(title: str, models: list[tuple[str, Evals]], out: Path) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = [{"name": n, "htr": e.htr.to_json() if e.htr else None,
             "layout": e.layout.to_json() if e.layout else None} for n, e in models]
    sections = [f"# {title}"]
    htr = [(d["name"], d["htr"]) for d in data if d["htr"]]
    layout = [(d["name"], d["layout"]) for d in data if d["layout"]]
    if htr:
        sections += _htr_sections(htr)
        _plots(htr, out)
    if layout:
        sections += _layout_sections(layout)
    if not htr and not layout:
        sections.append("Nothing was evaluated: give line sets (labels.tsv) for the recognizer or pages for layout.")
    report: dict[str, Any] = {"models": data}
    if len(data) == 2:
        report["diff"] = {"note": "B - A", **{k: _diff(data[0][k], data[1][k]) for k in ("htr", "layout")}}
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    path = out / "report.md"
    path.write_text("\n\n".join(sections) + "\n", encoding="utf-8")
    return path


def write_eval_report(name: str, htr_eval: HtrEval | None, layout_eval: LayoutEval | None, out: Path) -> Path:
    """``out/report.md``, ``out/report.json`` and the plots of one model bundle; returns report.md."""
    return _write(f"Evaluation of {name}", [(name, Evals(htr_eval, layout_eval))], out)


def write_compare_report(a_name: str, a_evals: Evals, b_name: str, b_evals: Evals, out: Path) -> Path:
    """The same for two bundles side by side (measured on the same data), with B - A."""
    if a_name == b_name:
        b_name = f"{b_name} (B)"
    models = [(a_name, Evals(*a_evals)), (b_name, Evals(*b_evals))]
    return _write(f"Comparison of {a_name} (A) and {b_name} (B)", models, out)
