"""Layout evaluation: polygon IoU, one-to-one matching, known F1 values, `eval layout --json`."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from ocr.evaluation.layout import Counts, iou_pairs, match_count, score_page
from ocr.evaluation.layout_cli import layout
from ocr.schema import BookMeta, Cell, Field, FieldStatus, ImageRef, Line, Page, Provenance, Record, TableGrid


def _box(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _page(shift: float = 0.0) -> Page:
    """Two records of one row each; a header cell, 2 body cells per record, one line per field;
    ``shift`` moves the first record's first line right by that many px."""
    records, cells = [], [Cell(row=0, col=0, col_span=2, polygon=_box(0, 0, 400, 50), header=True)]
    for r in range(2):
        y0 = 50 + 100 * r
        fields = []
        for k, key in enumerate(("so", "nksHoTen")):
            dx = shift if (r, k) == (0, 0) else 0.0
            line = Line(id=f"r{r}-{key}", polygon=_box(20 + 200 * k + dx, y0 + 20, 120 + 200 * k + dx, y0 + 70),
                        text="x")
            fields.append(Field(key=key, region=_box(200 * k, y0, 200 * (k + 1), y0 + 100), lines=[line],
                                raw_text="x", status=FieldStatus.FILLED))
            cells.append(Cell(row=1 + r, col=k, polygon=_box(200 * k, y0, 200 * (k + 1), y0 + 100),
                              field_keys=[key], record_id=f"r{r}"))
        records.append(Record(id=f"r{r}", region=_box(0, y0, 400, y0 + 100), fields=fields))
    return Page(id="p", image=ImageRef(path="p.png", width=400, height=260), template_id="ks_dense",
                book=BookMeta(book_type="KS", year=1996, page_number=1),
                grid=TableGrid(rows=3, cols=2, cells=cells), records=records,
                provenance=Provenance(source="synthetic", conditions=["skew"]))


def test_iou_of_shifted_squares() -> None:
    a = [np.array(_box(0, 0, 100, 100), float)]
    b = [np.array(_box(50, 0, 150, 100), float)]
    (iou, i, j), = iou_pairs(a, b)
    assert (i, j) == (0, 0) and iou == pytest.approx(1 / 3, abs=0.01)
    assert iou_pairs(a, [np.array(_box(200, 0, 300, 50), float)]) == []


def test_matching_is_one_to_one() -> None:
    pairs = [(0.9, 0, 0), (0.8, 1, 0), (0.7, 1, 1), (0.6, 0, 1)]
    assert match_count(pairs, 0.5) == 2
    assert match_count(pairs, 0.75) == 1


def test_ground_truth_against_itself_scores_one() -> None:
    scores = score_page(_page(), _page())
    for kind in ("record", "cell", "line"):
        assert scores[kind].f1(0.5) == 1.0 and scores[kind].f1(0.75) == 1.0
    assert scores["cell"].gt == 4  # header cells are not scored


def test_known_perturbation() -> None:
    # One of four lines shifted by half its width: IoU 1/3, no match at 0.5 -> F1 = 2*3/(4+4).
    scores = score_page(_page(), _page(shift=50))
    assert scores["line"].f1(0.5) == pytest.approx(0.75)
    # Shifted by 10 px of 100: IoU 90/110 = 0.818, still a match at 0.75.
    assert score_page(_page(), _page(shift=10))["line"].f1(0.75) == 1.0
    assert scores["record"].f1(0.5) == 1.0


def test_counts_of_empty_sides() -> None:
    assert Counts().f1() == 1.0
    c = Counts({0.5: 0, 0.75: 0}, pred=3, gt=0)
    assert c.f1() == 0.0 and c.precision() == 0.0 and c.recall() == 1.0


def test_cli_json_prints_one_object_with_headline_keys_first(tmp_path: Path) -> None:
    page = _page()
    page.save(tmp_path / "p.json")
    img = np.full((260, 400, 3), 240, np.uint8)
    cv2.rectangle(img, (0, 0), (399, 249), (30, 30, 30), 2)
    cv2.imwrite(str(tmp_path / "p.png"), img)
    result = CliRunner().invoke(layout, ["--data", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert list(out)[:4] == ["record_f1", "cell_f1", "line_f1", "pages_per_s"]
    assert out["pages"] == 1 and "condition:skew" in out["groups"] and "dense" in out["groups"]
    table = CliRunner().invoke(layout, ["--data", str(tmp_path)])
    assert table.exit_code == 0 and "| template" in table.output and "ks_dense" in table.output


def test_cli_refuses_an_empty_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(layout, ["--data", str(tmp_path)])
    assert result.exit_code == 2 and "no page JSON" in result.output


def test_layout_imports_stay_light() -> None:
    import subprocess
    import sys

    code = ("import sys, ocr.layout, ocr.evaluation.layout, ocr.evaluation.layout_cli; "
            "bad = [m for m in ('torch', 'training', 'rapidocr', 'scipy', 'shapely') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
