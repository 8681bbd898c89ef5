"""Record files: deskewed crops that hold the record, spread halves side by side, size budget,
legibility floor and file names."""

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from export_pages import H, W, page, spread
from ocr.export import write_record_files
from ocr.export.record_files import (
    MARGIN_PX, crop_record, fit_record, legibility_floor, record_stem, x_height,
)
from ocr.export.records import book_records

RED = (200, 30, 30)


def _rotated_box(cx, cy, w, h, angle):
    return [tuple(p) for p in cv2.boxPoints(((cx, cy), (w, h), angle)).tolist()]


def _noisy_page(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(150, 256, (H, W, 3), dtype=np.uint8)


@pytest.mark.parametrize("angle", [0.0, 2.0, -2.0, 4.0, -30.0])
def test_crop_holds_the_record_upright(angle):
    image = np.full((H, W, 3), 255, np.uint8)
    poly = _rotated_box(500, 350, 600, 120, angle)
    cv2.fillPoly(image, [np.round(np.asarray(poly)).astype(np.int32)], RED)
    crop = crop_record(image, poly)
    red = lambda im: (np.abs(im.astype(int) - RED).sum(-1) < 60)  # noqa: E731
    assert red(crop.image).sum() >= 0.98 * red(image).sum()
    # Upright: the record fills its bounding box in the crop, and lies within the margin.
    ys, xs = np.nonzero(red(crop.image))
    fill = len(xs) / ((np.ptp(xs) + 1) * (np.ptp(ys) + 1))
    assert fill > 0.97
    assert np.ptp(xs) > 4 * np.ptp(ys)  # a wide record stays wide (never turned on its side)
    mapped = cv2.transform(np.asarray(poly, np.float64)[None], crop.transform)[0]
    h, w = crop.image.shape[:2]
    assert mapped.min() >= MARGIN_PX - 1.5 and (mapped[:, 0] <= w - MARGIN_PX + 1.5).all()
    assert (mapped[:, 1] <= h - MARGIN_PX + 1.5).all()


def test_x_height_is_the_letters_body_not_the_ascenders():
    grey = np.full((60, 400), 255, np.uint8)
    for x in range(10, 380, 12):
        cv2.rectangle(grey, (x, 25), (x + 7, 38), 0, -1)  # body rows 25..38: 14 px
        if x % 36 == 10:
            cv2.line(grey, (x, 8), (x, 25), 0, 2)  # an ascender every third letter
    cv2.line(grey, (0, 45), (399, 45), 0, 1)  # a ruled line crossing the text line
    poly = np.array([(0, 0), (399, 0), (399, 59), (0, 59)], np.float64)
    assert abs(x_height(grey, [poly]) - 14) <= 1


def test_legibility_floor():
    assert legibility_floor(24.0, 300.0) == pytest.approx(0.5)  # the x-height rule binds
    assert legibility_floor(60.0, 150.0) == pytest.approx(100 / 150)  # the 100 dpi rule binds
    assert legibility_floor(10.0, 90.0) == 1.0  # already below both: never shrink
    assert legibility_floor(None, None) == 1.0


def test_fit_shrinks_down_to_the_floor_and_no_further():
    image = np.random.default_rng(1).integers(0, 256, (300, 900, 3), dtype=np.uint8)
    full = fit_record(image, max_bytes=10**7, floor=0.5, dpi=300, formats=("jpg", "pdf"))
    assert (full.scale, full.quality, full.grey) == (1.0, 85, False)
    tight = fit_record(image, max_bytes=len(full.jpeg) // 4, floor=0.5, dpi=300, formats=("jpg", "pdf"))
    assert 0.5 <= tight.scale < 1.0 and max(len(tight.jpeg), len(tight.pdf)) <= len(full.jpeg) // 4
    assert Image.open(io.BytesIO(tight.jpeg)).width == round(900 * tight.scale)
    assert tight.jpeg in tight.pdf  # the PDF embeds the very JPEG
    with pytest.raises(ValueError, match="max_bytes"):
        fit_record(image, max_bytes=2_000, floor=0.5, dpi=300, formats=("jpg",))


def test_file_names():
    left, right = spread()
    recs = book_records([left, right])
    assert record_stem(recs[0]) == "KS.1999.03.01"
    assert record_stem(recs[1]) == "KS.1999.03.p7r2"  # no number: page and row
    assert record_stem(recs[0], "{book}_{volume}_{number:0>4}") == "KS_03_0001"
    recs[0].parts[0][1].number = "12/98 (bis)"
    assert record_stem(recs[0]) == "KS.1999.03.12-98-bis"
    with pytest.raises(ValueError, match="pattern"):
        record_stem(recs[0], "{book}.{commune}")


def test_spread_records_make_one_file_each_within_budget(tmp_path):
    left, right = spread()
    pages = [(left, _noisy_page(0)), (right, _noisy_page(1))]
    paths = write_record_files(pages, tmp_path, max_bytes=100_000)
    assert sorted(p.name for p in paths) == sorted(
        f"KS.1999.03.{n}.{ext}" for n in ("01", "p7r2") for ext in ("jpg", "pdf"))
    for p in paths:
        assert p.stat().st_size <= 100_000
    jpg = Image.open(tmp_path / "KS.1999.03.01.jpg")
    one = crop_record(pages[0][1], left.records[0].region).image
    two = crop_record(pages[1][1], right.records[0].region).image
    expected_w = one.shape[1] + two.shape[1] + 12
    scale = jpg.height / max(one.shape[0], two.shape[0])
    assert jpg.width == pytest.approx(expected_w * scale, abs=2)
    assert (tmp_path / "KS.1999.03.01.jpg").read_bytes() in (tmp_path / "KS.1999.03.01.pdf").read_bytes()


def test_colliding_names_never_overwrite(tmp_path):
    left, right = spread()
    a = page("single", left.records, number=1)
    b = page("single", left.records, number=2)  # same numbers again: a duplicate in the book
    paths = write_record_files([(a, _noisy_page(2)), (b, _noisy_page(3))], tmp_path, formats=("jpg",))
    assert len(paths) == len(set(paths)) == 4
    assert {p.name for p in paths} >= {"KS.1999.03.01.jpg", "KS.1999.03.01_2.jpg"}
    with pytest.raises(ValueError, match="format"):
        write_record_files([(a, _noisy_page(2))], tmp_path, formats=("png",))
