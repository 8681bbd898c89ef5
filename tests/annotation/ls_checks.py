"""Checks and edits shared by the annotation tests: what annotation keeps of a page, pulled pages
compared with expected ones, and annotator edits applied alike to a page and to its results."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from annotation.convert import ls_id, to_percent
from annotation.labeling import FIELD_FLAGS, TEXT, VALUE
from ocr.schema import Page


def annotatable(page: Page) -> Page:
    """The page as annotation carries it: no baselines, confidences or normalizer notes; fields
    without a region dropped."""
    p = page.model_copy(deep=True)
    for r in p.records:
        r.flags = []
        r.fields = [f for f in r.fields if f.region is not None]
        for f in r.fields:
            f.confidence = None
            f.flags = [fl for fl in f.flags if fl.code in FIELD_FLAGS]
    for ln in p.all_lines():
        ln.baseline, ln.confidence, ln.char_confidences = [], None, None
    return p


def _close(a, b, tol: float, what: str) -> None:
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert a.shape == b.shape, f"{what}: {a.shape} points, expected {b.shape}"
    err = float(np.abs(a - b).max()) if a.size else 0.0
    assert err <= tol, f"{what}: geometry off by {err:.3f} px"


def assert_same_truth(pulled: Page, expected: Page, tol: float = 1.0) -> None:
    """Equal records, fields, lines and regions: text identical, geometry within ``tol`` px."""
    exp = annotatable(expected)
    assert pulled.book.book_type == exp.book.book_type
    assert [r.id for r in pulled.records] == [r.id for r in exp.records]
    for rp, re_ in zip(pulled.records, exp.records):
        assert rp.number == re_.number, rp.id
        _close(rp.region, re_.region, tol, f"record {rp.id}")
        assert [f.key for f in rp.fields] == [f.key for f in re_.fields], rp.id
        for fp, fe in zip(rp.fields, re_.fields):
            where = f"{rp.id}/{fp.key}"
            assert (fp.raw_text, fp.value, fp.status) == (fe.raw_text, fe.value, fe.status), where
            assert [x.code for x in fp.flags] == [x.code for x in fe.flags], where
            _close(fp.region, fe.region, tol, where)
            _lines(fp.lines, fe.lines, tol, where)
    assert [(g.id, g.kind, g.text) for g in pulled.regions] == [(g.id, g.kind, g.text) for g in exp.regions]
    for gp, ge in zip(pulled.regions, exp.regions):
        _close(gp.polygon, ge.polygon, tol, f"region {gp.id}")
        _lines(gp.lines, ge.lines, tol, gp.id)


def _lines(got, want, tol: float, where: str) -> None:
    def key(lines):
        return [(ln.id, ln.text, ln.strikethrough) for ln in lines]

    assert key(got) == key(want), where
    for a, b in zip(got, want):
        _close(a.polygon, b.polygon, tol, f"line {a.id}")


# --- annotator edits, applied to the expected page and to Label Studio results alike ---------

def move_line(page: Page, results: list[dict[str, Any]], line_id: str, dx: float, dy: float) -> None:
    """Drag a line polygon by (dx, dy) px."""
    line = next(ln for ln in page.all_lines() if ln.id == line_id)
    line.polygon = [(x + dx, y + dy) for x, y in line.polygon]
    points = to_percent(line.polygon, page.image.width, page.image.height)
    for res in results:
        if res.get("id") == ls_id("line", line_id):
            res["value"]["points"] = copy.deepcopy(points)


def delete_line(page: Page, results: list[dict[str, Any]], line_id: str) -> list[dict[str, Any]]:
    """Delete a line region (with its transcription)."""
    for holder in [f for r in page.records for f in r.fields] + list(page.regions):
        holder.lines = [ln for ln in holder.lines if ln.id != line_id]
    return [res for res in results if res.get("id") != ls_id("line", line_id)]


def fix_transcription(page: Page, results: list[dict[str, Any]], record_id: str, key: str,
                      raw: str, value: str) -> None:
    """Correct a filled field's transcription and value, and the text of its single line."""
    field = page.records[[r.id for r in page.records].index(record_id)].field(key)
    assert len(field.lines) == 1, f"{record_id}/{key} has {len(field.lines)} lines; pick a one-line field"
    field.raw_text, field.value = raw, value
    field.lines[0].text = raw
    fid, lid = ls_id("field", f"{record_id}-{key}"), ls_id("line", field.lines[0].id)
    for res in results:
        if res.get("id") == fid and res["from_name"] == TEXT:
            res["value"]["text"] = [raw]
        elif res.get("id") == fid and res["from_name"] == VALUE:
            res["value"]["text"] = [value]
        elif res.get("id") == lid and res["from_name"] == TEXT:
            res["value"]["text"] = [raw]
