"""Exports of synthetic pages: record files of a spread and a dense page, PAGE-XML, Excel vs truth."""

import datetime as dt

import cv2
import numpy as np
import pytest
from openpyxl import load_workbook

from ocr.export import page_to_pagexml, validate_pagexml, write_ministry_excel, write_record_files
from ocr.export.record_files import MARGIN_PX, crop_record
from ocr.export.records import book_records
from ocr.lexicon import resolve
from ocr.ministry import EXCEL_COLUMNS
from ocr.templates import load_template
from training.synth.book import plan_pages
from training.synth.render import render_page


def _render(name: str, pages: int, seed: int, conditions: list[str] | None):
    return [(r.page, r.image) for r in map(render_page, plan_pages(load_template(name), pages, seed,
                                                                   conditions=conditions))]


@pytest.fixture(scope="module")
def spread_pages():
    pages = _render("ks_1999", 2, 5, ["skew", "photo"])
    assert [p.side for p, _ in pages] == ["left", "right"]
    return pages


@pytest.fixture(scope="module")
def dense_page():
    return _render("ks_dense", 1, 6, ["skew"])


def test_record_files_fit_are_named_and_hold_their_record(spread_pages, dense_page, tmp_path):
    for pages, out in ((spread_pages, tmp_path / "spread"), (dense_page, tmp_path / "dense")):
        paths = write_record_files(pages, out)
        records = book_records([p for p, _ in pages])
        assert len(paths) == 2 * len(records)
        book = pages[0][0].book
        expected = {f"KS.{book.year}.{book.volume}.{r.number}.{ext}" for r in records for ext in ("jpg", "pdf")}
        assert {p.name for p in paths} == expected
        for p in paths:
            assert 0 < p.stat().st_size <= 100_000, p.name
        for rec in records:
            for page, part in rec.parts:
                image = dict((pg.id, im) for pg, im in pages)[page.id]
                crop = crop_record(image, part.region)
                mapped = cv2.transform(np.asarray(part.region, np.float64)[None], crop.transform)[0]
                h, w = crop.image.shape[:2]
                assert mapped.min() >= MARGIN_PX - 1.5, rec.id
                assert (mapped[:, 0] <= w - MARGIN_PX + 1.5).all() and (mapped[:, 1] <= h - MARGIN_PX + 1.5).all()
    assert len(book_records([p for p, _ in dense_page])) >= 30


def test_pagexml_of_synthetic_pages_validates(spread_pages, dense_page):
    for page, _ in spread_pages + dense_page:
        xml = page_to_pagexml(page)
        assert validate_pagexml(xml) == []
        assert xml.count("<TextLine ") == sum(
            1 for r in page.records for f in r.fields for ln in f.lines) + sum(len(r.lines) for r in page.regions)
        broken = xml.replace("<Coords points=", "<Coords pts=", 1)
        assert validate_pagexml(broken) != []


def _expected(value: str, key: str) -> str:
    if key.endswith("GioiTinh"):
        return str(resolve("gender", value).code)
    try:
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


def test_excel_matches_the_truth(spread_pages, tmp_path):
    pages = [p for p, _ in spread_pages]
    ws = load_workbook(write_ministry_excel(pages, tmp_path / "ks.xlsx")).active
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]
    records = book_records(pages)
    assert len(rows) == len(records) == len(pages[0].records)
    template = load_template(pages[0].template_id)
    checked = 0
    for row, rec in zip(rows, records):
        for f in rec.fields():
            if f.key not in EXCEL_COLUMNS["KS"]:
                continue
            if template.field(f.key).type == "date_words":
                assert row[f.key] == (f.raw_text or None)
            elif f.value is not None:
                assert row[f.key] == _expected(f.value, f.key), f.key
                checked += 1
            elif not f.raw_text:
                assert row[f.key] is None
    assert checked > 10 * len(records)
