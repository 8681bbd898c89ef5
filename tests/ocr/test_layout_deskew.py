"""Torch-free layout pieces on a drawn ruled table: deskew recovers a known rotation, points map
back exactly, the PP-OCR line finder (when rapidocr is installed) finds the writing."""

import cv2
import numpy as np
import pytest

from ocr.layout.deskew import PageTransform, _rotation, binarize, correct, estimate_skew, gray_channel
from ocr.layout.grid import find_lines, ruling_masks


def _ruled_page(w: int = 1400, h: int = 1000) -> np.ndarray:
    rng = np.random.default_rng(0)
    img = np.full((h, w, 3), (236, 228, 205), np.uint8)
    cv2.putText(img, "SO DANG KY KHAI SINH", (420, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (20, 20, 20), 3)
    for y in range(140, 941, 80):
        cv2.line(img, (60, y), (w - 60, y), (40, 40, 60), 2)
    for x in (60, 160, 420, 700, 900, 1200, w - 60):
        cv2.line(img, (x, 140), (x, 940), (40, 40, 60), 2)
    for y in range(170, 900, 80):  # handwriting-like scribbles in the cells
        for x in rng.integers(80, w - 200, 5):
            cv2.putText(img, "Nguyen Van", (int(x), int(y + 30)), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 0.8,
                        (120, 40, 30), 2)
    return img


@pytest.mark.parametrize("angle", [3.7, -6.2, 0.8])
def test_known_rotation_is_recovered(angle: float) -> None:
    page = _ruled_page()
    m, size = _rotation((page.shape[1], page.shape[0]), angle, 0)
    rotated = cv2.warpAffine(page, m, size, borderValue=(255, 255, 255))
    found = estimate_skew(binarize(gray_channel(rotated)))
    assert found == pytest.approx(-angle, abs=0.3)
    work, tf = correct(rotated, portrait=False)
    hmask, _ = ruling_masks(binarize(gray_channel(work)))
    lines = [c for c in find_lines(hmask, True, min_len=400) if c.hi - c.lo > 1000]
    assert len(lines) == 11
    assert max(np.ptp(c.v) for c in lines) < 6  # rules run level after correction


def test_transform_maps_points_back() -> None:
    m, size = _rotation((800, 600), 4.0, 90)
    tf = PageTransform(m, size, 4.0, 90)
    pts = np.array([[0, 0], [800, 600], [123.5, 456.25]])
    assert np.allclose(tf.to_input(tf.to_work(pts)), pts)
    assert size[0] < size[1]  # a quarter turn swaps width and height


def test_ppocr_line_finder_finds_text() -> None:
    pytest.importorskip("rapidocr")
    from ocr.layout.ppocr_lines import PPOCRLineFinder

    page = _ruled_page()[150:460, 60:900]
    found = PPOCRLineFinder().find(page)
    assert len(found) >= 4
    assert all(p.shape == (4, 2) and b.shape == (2, 2) for p, b in found)
