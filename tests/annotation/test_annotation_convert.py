"""Schema <-> Label Studio conversion, labeling configs and agreement, without a server."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from ls_checks import annotatable, assert_same_truth, delete_line, move_line

from annotation.agreement import page_agreement
from annotation.convert import (
    ls_id, overlap, page_prediction, page_results, page_task, rectangle_polygon, results_to_page, schema_id,
)
from annotation.labeling import FIELD, FIELD_BOX, LINE_BOX, TEXT, field_keys, page_config, review_config
from ocr.schema import Page
from ocr.templates import load_template, template_names


def _pages(folder: Path) -> list[Page]:
    return [Page.load(p) for p in sorted(folder.glob("*.json"))]


def _templates(pages: list[Page]) -> dict:
    return {p.template_id: load_template(p.template_id) for p in pages}


def test_config_labels_come_from_the_templates() -> None:
    templates = [load_template(n) for n in template_names()]
    root = ET.fromstring(page_config(templates))
    for name in (FIELD, FIELD_BOX):
        control = root.find(f".//*[@name='{name}']")
        assert [lab.get("value") for lab in control.findall("Label")] == field_keys(templates)
    assert set(field_keys(templates)) == {f.key for t in templates for f in t.fields}
    # the per-region transcription points at the image (a Label Studio trap)
    text = root.find(f".//TextArea[@name='{TEXT}']")
    assert text.get("toName") == "image" and text.get("perRegion") == "true"
    assert ET.fromstring(review_config()).find(".//TextArea").get("toName") == "image"


def test_one_template_gives_only_its_keys() -> None:
    t = load_template("kt_1999")
    keys = [lab.get("value") for lab in ET.fromstring(page_config([t])).find(".//*[@name='field']")]
    assert keys == [f.key for f in t.fields]
    with pytest.raises(ValueError):
        page_config([])


def test_round_trip_of_synthetic_pages(synth_pages: Path) -> None:
    pages = _pages(synth_pages)
    templates = _templates(pages)
    for page in pages:
        pred = page_prediction(page)
        assert pred["score"] == 1.0 and pred["model_version"].startswith("synthetic:")
        pulled = results_to_page(pred["result"], page_task(page, "/data/x.jpg"), templates)
        assert pulled.warnings == []
        assert pulled.page.provenance.source == "annotation"
        assert pulled.page.grid == page.grid  # carried by the task, for layout training
        assert_same_truth(pulled.page, page, tol=1e-6)
        assert pulled.page.all_lines(), "a page with no lines proves nothing"


def test_percent_coordinates_and_shared_region_ids(synth_pages: Path) -> None:
    page = _pages(synth_pages)[0]
    results, parents = page_results(page)
    rec = page.records[0]
    f = next(f for f in rec.fields if f.raw_text and f.lines)
    fid = ls_id("field", f"{rec.id}-{f.key}")
    mine = [r for r in results if r.get("id") == fid]
    assert {r["from_name"] for r in mine} >= {FIELD, TEXT}
    geom = next(r for r in mine if r["from_name"] == FIELD)
    x, y = f.region[0]
    assert geom["value"]["points"][0] == pytest.approx([x * 100 / page.image.width, y * 100 / page.image.height])
    assert geom["value"]["polygonlabels"] == [f.key]
    assert parents[fid] == ls_id("record", rec.id)
    assert parents[ls_id("line", f.lines[0].id)] == fid
    assert schema_id("line", ls_id("line", f.lines[0].id)) == f.lines[0].id


def test_annotator_edits_and_new_regions(synth_pages: Path) -> None:
    page = _pages(synth_pages)[0]
    templates = _templates([page])
    expected = page.model_copy(deep=True)
    results = page_prediction(page)["result"]
    lines = [ln for r in expected.records for f in r.fields for ln in f.lines]
    move_line(expected, results, lines[0].id, 9.5, -4.0)
    results = delete_line(expected, results, lines[1].id)
    pulled = results_to_page(results, page_task(page, "x"), templates)
    assert_same_truth(pulled.page, expected)
    # a rectangle drawn by an annotator inside a field becomes a line of that field
    rec = expected.records[-1]
    field = next(f for f in rec.fields if f.region is not None)
    xs, ys = [p[0] for p in field.region], [p[1] for p in field.region]
    w, h = page.image.width, page.image.height
    x0, y0, x1, y1 = min(xs) + 2, min(ys) + 2, max(xs) - 2, min(ys) + 12
    drawn = {"id": "Ab3_xY9", "type": "rectanglelabels", "from_name": LINE_BOX, "to_name": "image",
             "value": {"x": x0 * 100 / w, "y": y0 * 100 / h, "width": (x1 - x0) * 100 / w,
                       "height": (y1 - y0) * 100 / h, "rotation": 0, "rectanglelabels": ["line"]}}
    text = {"id": "Ab3_xY9", "type": "textarea", "from_name": TEXT, "to_name": "image",
            "value": {"x": 0, "y": 0, "width": 1, "height": 1, "text": ["viết thêm"]}}
    pulled = results_to_page(results + [drawn, text], page_task(page, "x"), templates).page
    got = pulled.records[-1].field(field.key).lines[-1]
    assert (got.id, got.text) == ("Ab3_xY9", "viết thêm")
    assert got.polygon[0] == pytest.approx((x0, y0)) and got.polygon[2] == pytest.approx((x1, y1))


def test_rotated_rectangle_corners() -> None:
    corners = rectangle_polygon({"x": 10, "y": 20, "width": 10, "height": 5, "rotation": 90}, 200, 100)
    assert corners == [pytest.approx(p) for p in [(20, 20), (20, 40), (15, 40), (15, 20)]]


def test_inconsistent_annotations_are_reported_not_invented(synth_pages: Path) -> None:
    page = _pages(synth_pages)[1]
    results = page_prediction(page)["result"]
    rec = page.records[0]
    f = next(f for f in rec.fields if f.status.value == "filled")
    fid = ls_id("field", f"{rec.id}-{f.key}")
    results = [r for r in results if not (r.get("id") == fid and r["from_name"] == TEXT)]
    stray = {"id": "zz1", "type": "polygonlabels", "from_name": "line", "to_name": "image",
             "value": {"points": [[0.0, 0.0], [0.5, 0.0], [0.5, 0.2]], "polygonlabels": ["line"]}}
    pulled = results_to_page(results + [stray], page_task(page, "x"), _templates([page]))
    assert pulled.page.records[0].field(f.key).status.value == "empty"
    assert any(fid in w for w in pulled.warnings) and any("zz1" in w for w in pulled.warnings)


def test_value_left_empty_is_normalized(synth_pages: Path) -> None:
    page = next(p for p in _pages(synth_pages) if p.template_id == "ks_1999")
    rec = page.records[0]
    results = [r for r in page_prediction(page)["result"]
               if not (r.get("id") == ls_id("field", f"{rec.id}-nksGioiTinh") and r["from_name"] == "value")]
    pulled = results_to_page(results, page_task(page, "x"), _templates([page])).page
    assert pulled.records[0].field("nksGioiTinh").value in ("Nam", "Nữ")


def test_overlap_share() -> None:
    square = [(0, 0), (10, 0), (10, 10), (0, 10)]
    assert overlap(square, [(0, 0), (100, 0), (100, 100), (0, 100)]) == pytest.approx(1.0)
    assert overlap(square, [(5, -5), (50, -5), (50, 50), (5, 50)]) == pytest.approx(0.5, abs=0.1)
    assert overlap(square, [(50, 50), (60, 50), (60, 60)]) == 0.0


def test_agreement_of_identical_and_shifted_annotations(synth_pages: Path) -> None:
    page = annotatable(_pages(synth_pages)[0])
    same = page_agreement([page, page.model_copy(deep=True)])
    assert same.roles["lines"].f1 == 1.0 and same.roles["fields"].mean_iou == pytest.approx(1.0)
    assert same.text.cer == 0.0
    other = page.model_copy(deep=True)
    line = other.records[0].fields[0].lines[0]
    line.text = line.text + "x"
    far = [(x + 5000, y) for x, y in other.records[1].fields[0].lines[0].polygon]
    other.records[1].fields[0].lines[0].polygon = far
    agr = page_agreement([page, other])
    n = len(page.all_lines())
    assert agr.roles["lines"].matched == n - 1
    assert agr.roles["lines"].f1 == pytest.approx((n - 1) / n)
    assert 0 < agr.text.cer < 0.05
