"""training.compare end to end: the shipped recognizer against a copy of itself on synthetic
lines, and the shipped layout model on two rendered pages; the report files and their figures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ocr.evaluation.htr import evaluate_htr, read_labels
from ocr.htr.recognizer import Recognizer
from training.compare import (Evals, evaluate_htr_bundle, evaluate_layout_bundle, write_compare_report,
                              write_eval_report)
from ocr.templates import load_template
from training.compare.fields import line_field_type
from training.compare.layout_eval import LayoutEval
from training.synth.book import plan_pages
from training.synth.export import write_lines, write_page
from training.synth.render import render_page

MODELS = Path(__file__).resolve().parents[2] / "models"
PLOTS = ("cer_by_source.png", "cer_by_field_type.png", "reliability.png", "tone_confusions.png")
LAYOUT_PAGES = ("ks_1999", "ks_2006")


def _figures(entry: dict) -> dict:
    """A report.json model entry without what differs between identical models."""
    return {k: v for k, v in entry.items() if k not in ("model", "speed")}


@pytest.fixture(scope="module")
def lines(tmp_path_factory) -> dict[str, Path]:
    """Two labels files over the lines of one page; the second also names a missing image."""
    root = tmp_path_factory.mktemp("lines")
    rows = write_lines(render_page(plan_pages(load_template("kt_1999"), 1, 5)[0]), root)[:36]
    (root / "a.tsv").write_text("".join(f"{p}\t{t}\n" for p, t in rows[:20]), encoding="utf-8")
    (root / "b.tsv").write_text("".join(f"{p}\t{t}\n" for p, t in rows[20:]) + "lines/gone-x-l0.jpg\tMất\n",
                                encoding="utf-8")
    return {"first": root / "a.tsv", "second": root / "b.tsv"}


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pages")
    for name in LAYOUT_PAGES:
        write_page(render_page(plan_pages(load_template(name), 1, 31)[0]), root)
    return root


@pytest.fixture(scope="module")
def layout(pages) -> LayoutEval:
    return evaluate_layout_bundle(MODELS / "layout.onnx", pages, threads=1)


@pytest.fixture(scope="module")
def htr_copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("copy")
    for f in MODELS.glob("htr.*"):
        if f.suffix != ".pt":
            shutil.copy(f, folder / f.name.replace("htr", "copy"))
    return folder / "copy.onnx"


def test_eval_matches_hotich_eval_htr_and_counts_every_line(lines):
    ev = evaluate_htr_bundle(MODELS / "htr.onnx", lines, threads=1)
    rows = {name: read_labels(path) for name, path in lines.items()}
    assert len(ev.lines) == sum(map(len, rows.values()))
    assert len(ev.problems) == 1 and ev.problems[0].startswith(f"second:{len(rows['second'])}: cannot read image")
    assert ev.problems[0].endswith(": lines/gone-x-l0.jpg")
    assert ev.lines[-1].prediction == "" and ev.lines[-1].confidence == 0.0
    recognizer = Recognizer(MODELS / "htr.onnx", threads=1)
    by_source = ev.scores(lambda ln: ln.source)
    for name, path in lines.items():
        expected = evaluate_htr(path, recognizer)
        assert by_source[name]["cer"] == pytest.approx(expected["cer"])
        assert by_source[name]["line_acc"] == pytest.approx(expected["line_acc"])
    types = {line_field_type(r.rel) for rs in rows.values() for r in rs}
    by_type = ev.scores(lambda ln: ln.field_type)
    assert set(by_type) == types and "name" in types
    assert sum(g["lines"] for g in by_type.values()) == len(ev.lines)
    assert sum(ln.edits for ln in ev.lines) == round(ev.scores()["all"]["cer"] * ev.scores()["all"]["chars"])
    assert all(0.0 <= ln.confidence <= 1.0 for ln in ev.lines) and ev.lines_per_s > 0


def test_compare_of_identical_models_and_single_eval(lines, layout, htr_copy, tmp_path):
    a = Evals(evaluate_htr_bundle(MODELS / "htr.onnx", lines, threads=1), layout)
    b = Evals(evaluate_htr_bundle(htr_copy, lines, threads=1), layout)
    md = write_compare_report("shipped", a, "copy", b, tmp_path / "cmp")
    assert md == tmp_path / "cmp" / "report.md"
    assert all((tmp_path / "cmp" / p).stat().st_size > 1000 for p in PLOTS)
    report = json.loads((tmp_path / "cmp" / "report.json").read_text(encoding="utf-8"))
    first, second = report["models"]
    assert first["htr"]["model"] == "htr.onnx" and second["htr"]["model"] == "copy.onnx"
    assert _figures(first["htr"]) == _figures(second["htr"]) and first["htr"]["sha256"] == second["htr"]["sha256"]
    assert set(first["htr"]["sources"]) == {"first", "second"}
    diffs = list(report["diff"]["htr"]["overall"].values())
    assert diffs and all(v == 0 for v in diffs)
    text = md.read_text(encoding="utf-8")
    for heading in ("### Per source", "### Per field type", "### Vietnamese confusions", "### Calibration",
                    "## Layout", "Δ CER", "(auto-accept)"):
        assert heading in text
    assert text.count("| name |") == 1

    single = write_eval_report("shipped", a.htr, None, tmp_path / "one")
    one = json.loads((tmp_path / "one" / "report.json").read_text(encoding="utf-8"))
    assert _figures(one["models"][0]["htr"]) == _figures(first["htr"]) and "diff" not in one
    assert "Δ" not in single.read_text(encoding="utf-8") and "## Layout" not in single.read_text(encoding="utf-8")


def test_layout_f1_per_template(layout):
    ev = layout
    assert ev.pages == 2 and set(ev.templates) == set(LAYOUT_PAGES)
    for name in LAYOUT_PAGES:  # tests/training/test_layout_shipped.py: these pages score >= 0.9 / 0.95 / 0.85
        t = ev.templates[name]
        assert t["pages"] == 1 and t["record_f1"] == 1.0 and t["cell_f1"] > 0.9 and t["line_f1"] > 0.8
    for figure in ("cell_f1", "line_f1"):  # pooled over both pages: between the two pages' figures
        per_page = [ev.templates[n][figure] for n in LAYOUT_PAGES]
        assert min(per_page) <= ev.overall[figure] <= max(per_page)
    assert ev.overall["pages"] == 2 and ev.to_json()["speed"]["pages_per_s"] > 0


def test_layout_without_pages_says_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="hotich synth"):
        evaluate_layout_bundle(MODELS / "layout.onnx", tmp_path)
