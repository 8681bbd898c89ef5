"""Synthetic pages: exact ground truth, determinism, NFC text and the `hotich synth` command."""

import hashlib
import unicodedata

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from gt_checks import line_ink_report, polygon_mask
from ocr.cli import main
from ocr.schema import FieldStatus, Page
from ocr.templates import load_template, template_names
from training.synth.book import plan_pages
from training.synth.render import render_page

CASES = [(name, conds) for name in template_names() for conds in (None, ["curvature", "skew", "photo"])]


@pytest.fixture(scope="module", params=CASES, ids=[f"{n}-{'+'.join(c or ['sampled'])}" for n, c in CASES])
def rendered(request):
    name, conds = request.param
    plan = plan_pages(load_template(name), 1, 11, conditions=conds)[0]
    return render_page(plan, with_labels=True)


def test_line_polygons_hold_their_own_ink_and_no_other(rendered):
    report = line_ink_report(rendered.page, rendered.labels, rendered.label_ids)
    assert len(report) >= 20
    for line_id, inside, others in report:
        assert inside >= 0.995, f"{line_id}: only {inside:.4f} of its ink inside its polygon"
        assert others == 0, f"{line_id}: its polygon holds {others} ink pixels of other lines"
    assert np.mean([r[1] for r in report]) >= 0.999


def test_baselines_lie_in_their_line_polygons(rendered):
    for line in rendered.page.all_lines():
        poly = np.asarray(line.polygon, np.float32)
        for x, y in line.baseline:
            assert cv2.pointPolygonTest(poly, (x, y), True) >= -1.0, f"{line.id}: baseline leaves the polygon"


def test_record_regions_hold_their_cells_and_fields(rendered):
    page = rendered.page
    shape = (page.image.height, page.image.width)
    records = {r.id: r for r in page.records}
    cells = [c for c in page.grid.cells if c.record_id in records]
    assert cells
    for cell in cells:
        # Shared edges are sampled at different vertices; allow 2 px for their rasterization.
        region = cv2.dilate(polygon_mask(shape, records[cell.record_id].region).astype(np.uint8), np.ones((5, 5)))
        cell_mask = polygon_mask(shape, cell.polygon)
        assert not (cell_mask & (region == 0)).any(), f"cell {cell.row},{cell.col} leaves its record"
    for rec in page.records:
        keys = {k for c in page.grid.cells if c.record_id == rec.id for k in c.field_keys}
        assert keys == {f.key for f in rec.fields}


def test_truth_is_consistent_and_nfc(rendered):
    page = rendered.page
    Page.model_validate_json(page.to_json())  # round-trips
    texts = [ln.text for ln in page.all_lines()] + [f.raw_text for r in page.records for f in r.fields]
    texts += [f.value or "" for r in page.records for f in r.fields] + [reg.text for reg in page.regions]
    assert all(t == unicodedata.normalize("NFC", t) for t in texts)
    for rec in page.records:
        for f in rec.fields:
            if f.status == FieldStatus.FILLED:
                written = " ".join(ln.text for ln in f.lines if not ln.strikethrough)
                assert written.split() == f.raw_text.split(), f.key
            if f.status == FieldStatus.EMPTY:
                assert not f.lines and f.value is None
    h, w = rendered.image.shape[:2]
    assert (page.image.width, page.image.height) == (w, h)


def _synth(tmp_path, *args):
    result = CliRunner().invoke(main, ["synth", *args])
    assert result.exit_code == 0, result.output
    return result


def test_same_seed_same_bytes_and_preview(tmp_path):
    args = ["--template", "ks_1999,kh_1999", "--pages", "2", "--seed", "5"]
    _synth(tmp_path, *args, "--out", str(tmp_path / "a"), "--preview")
    _synth(tmp_path, *args, "--out", str(tmp_path / "b"), "--workers", "2")
    _synth(tmp_path, "--template", "ks_1999,kh_1999", "--pages", "2", "--seed", "6", "--out", str(tmp_path / "c"))

    def digest(folder):
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.j*"))}

    a, b, c = digest(tmp_path / "a"), digest(tmp_path / "b"), digest(tmp_path / "c")
    assert len(a) == 8 and a == b
    assert set(a.values()).isdisjoint(c.values())
    assert (tmp_path / "a" / "contact_sheet.png").stat().st_size > 10_000
    page = Page.load(tmp_path / "a" / "ks_1999-5-00000.json")
    assert page.image.sha256 == hashlib.sha256((tmp_path / "a" / page.image.path).read_bytes()).hexdigest()
    right = Page.load(tmp_path / "a" / "ks_1999-5-00001.json")
    assert (page.side, right.side) == ("left", "right")
    assert [r.id for r in page.records] == [r.id for r in right.records]


def test_lines_command_writes_crops_and_labels(tmp_path):
    _synth(tmp_path, "lines", "--template", "kt_1999", "--pages", "1", "--seed", "2", "--out", str(tmp_path))
    rows = [ln.split("\t") for ln in (tmp_path / "labels.tsv").read_text(encoding="utf-8").splitlines()]
    assert len(rows) > 30
    for rel, text in rows:
        assert (tmp_path / rel).stat().st_size > 0 and text.strip()
        assert text == unicodedata.normalize("NFC", text)


def test_bad_template_and_condition_are_explained(tmp_path):
    result = CliRunner().invoke(main, ["synth", "--template", "nope", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "known templates" in result.output
    result = CliRunner().invoke(main, ["synth", "--template", "ks_1999", "--conditions", "rain", "--out",
                                       str(tmp_path)])
    assert result.exit_code == 2 and "unknown condition" in result.output


def test_writing_on_torn_paper_becomes_unreadable(rendered):
    from training.synth.render import _mark_torn

    page = rendered.page.model_copy(deep=True)
    field = next(f for r in page.records for f in r.fields if f.status == FieldStatus.FILLED and f.lines)
    before = [(f.key, f.status) for r in page.records for f in r.fields if f is not field]
    paper = np.full((page.image.height, page.image.width), 255, np.uint8)
    cv2.fillPoly(paper, [np.round(np.asarray(field.lines[0].polygon)).astype(np.int32)], 0)
    _mark_torn(page, paper)
    assert field.status == FieldStatus.UNREADABLE and field.flags[-1].code == "torn"
    assert field.raw_text  # the truth is kept: unreadable is not empty
    assert [(f.key, f.status) for r in page.records for f in r.fields if f is not field] == before


@pytest.fixture(scope="module")
def dotted_pages():
    """Three pages of the 2006 books, whose writing sits on one dotted line per field."""
    return [render_page(plan).page for plan in plan_pages(load_template("ks_2006"), 3, 11)]


def test_writing_on_dotted_lines_stays_legible(dotted_pages):
    # Squeezed into its slot, a field's writing was as little as 7.6 px high, ink and padding
    # (1.6 mm on a 4.8 px/mm page): unreadable, and 86 % of such fields were drafted wrong.
    heights = [np.ptp(np.asarray(ln.polygon)[:, 1])
               for page in dotted_pages for rec in page.records for f in rec.fields for ln in f.lines]
    assert len(heights) > 200
    assert min(heights) >= 13.0


def test_signer_name_is_written_beside_the_signature_on_a_dotted_line(dotted_pages):
    checked = 0
    for page in dotted_pages:
        marks = {reg.id: np.asarray(reg.polygon) for reg in page.regions if reg.kind == "signature"}
        for rec in page.records:
            for f in rec.fields:
                mark = next((m for rid, m in marks.items() if rid.endswith(f"-{f.key}-sig")
                             and rid.startswith(rec.id)), None) if f.key == "nguoiKy" else None
                if mark is None or not f.lines:
                    continue
                name = np.asarray(f.lines[0].polygon)
                assert name[:, 0].min() >= mark[:, 0].max() - 2, "the name starts after the signature"
                assert name[:, 1].min() < mark[:, 1].max() and mark[:, 1].min() < name[:, 1].max()
                checked += 1
    assert checked >= 3
