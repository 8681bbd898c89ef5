"""The blank-slot confidence of fields drafted empty: clean slots, rules, stains, tiny writing, scale."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.draft.blank import INK_HALF, blank_confidence, slot_ink

CELL = [[300, 400], [900, 400], [900, 520], [300, 520]]


def page(scale: int = 1, seed: int = 0) -> np.ndarray:
    """A greyscale ledger page (long side 2000 px at scale 1): uneven paper with noise and the
    ruled cell ``CELL``."""
    rng = np.random.default_rng(seed)
    h, w = 2000 * scale, 1400 * scale
    paper = np.linspace(215, 240, w)[None, :] + np.linspace(0, 10, h)[:, None]
    grey = np.clip(paper + rng.normal(0, 4, (h, w)), 0, 255).astype(np.uint8)
    (x0, y0), (x1, y1) = np.asarray(CELL[0]) * scale, np.asarray(CELL[2]) * scale
    cv2.rectangle(grey, (int(x0), int(y0)), (int(x1), int(y1)), 60, 2 * scale)
    return grey


def scaled(poly: list[list[int]], scale: int) -> list[list[int]]:
    return [[x * scale, y * scale] for x, y in poly]


def test_a_clean_ruled_slot_is_blank_even_with_a_stain_and_a_stray_rule() -> None:
    grey = page()
    assert blank_confidence(grey, CELL) > 0.99
    cv2.line(grey, (300, 460), (900, 460), 70, 2)  # a rule of a grid fitted a little off
    stain = np.zeros(grey.shape, np.float32)  # a soft stain: darker paper, not ink
    cv2.circle(stain, (600, 450), 40, 30.0, -1)
    grey[:] = np.clip(grey - cv2.GaussianBlur(stain, (0, 0), 8), 0, 255).astype(np.uint8)
    assert blank_confidence(grey, CELL) > 0.95


def test_writing_missed_by_the_layout_lowers_the_confidence_even_when_tiny() -> None:
    grey = page()
    cv2.putText(grey, "Con thu hai", (330, 470), cv2.FONT_HERSHEY_SIMPLEX, 0.35, 40, 1, cv2.LINE_AA)
    tiny = blank_confidence(grey, CELL)
    cv2.putText(grey, "Nguyen Van A", (330, 500), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 40, 2, cv2.LINE_AA)
    assert tiny is not None and tiny < 0.5
    assert blank_confidence(grey, CELL) < tiny < 1


def test_ink_is_counted_in_page_units_and_odd_slots_have_no_confidence() -> None:
    small, large = page(1), page(2)
    cv2.putText(small, "12/3", (330, 470), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 40, 2, cv2.LINE_AA)
    cv2.putText(large, "12/3", (660, 940), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 40, 4, cv2.LINE_AA)
    a, b = slot_ink(small, CELL), slot_ink(large, scaled(CELL, 2))
    assert a is not None and b is not None and a > INK_HALF and 0.7 < b / a < 1.4
    assert slot_ink(small, [[10, 10], [20, 20]]) is None  # not a polygon
    assert slot_ink(small, [[5000, 5000], [5100, 5000], [5100, 5100]]) is None  # off the page
    assert blank_confidence(small, None) is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_paper_noise_alone_is_blank(seed: int) -> None:
    assert blank_confidence(page(seed=seed), CELL) > 0.98
