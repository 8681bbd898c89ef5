"""How sure the drafting pipeline is that a field it read as empty is blank on the page.

A field is drafted empty when the layout found no writing in its slot. Most such fields are blank
(an unused note column, a parent's unknown nationality), but some hold writing the layout missed:
tiny, faint or split across a cell edge. The ink left in the slot tells them apart: the slot is
shrunk off its rules, pixels clearly darker than the local paper are counted, and straight runs
as long as a rule are dropped. The count becomes a confidence ``1 / (1 + ink / INK_HALF)`` (1.0 for
a clean slot). An empty field is only ever accepted unseen through a calibration fitted on such
confidences (the ``<type>/blank`` groups of :mod:`ocr.calibration`), never by a plain threshold.

Constants are in pixels of a page whose long side is :data:`REF_SIDE` and scale with the page.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

REF_SIDE = 2000  # px: the page size the constants below are measured at
INK_DELTA = 25  # grey levels darker than the local paper that count as ink
EDGE = 4  # px kept off each side of the slot (its rules, a neighbour's stroke touching them)
PAPER = 31  # px: the median window that estimates the local paper
RULE = 41  # px: straight ink runs this long are rules, not writing
INK_HALF = 50.0  # px of ink (at REF_SIDE) that halve the confidence


def _odd(x: float) -> int:
    n = max(1, int(round(x)))
    return n if n % 2 else n + 1


def slot_ink(grey: np.ndarray, polygon: Sequence[Sequence[float]]) -> float | None:
    """Ink pixels inside ``polygon`` of the greyscale page ``grey``, counted as on a page of
    :data:`REF_SIDE` px; None when the slot is empty or off the page."""
    scale = max(grey.shape[:2]) / REF_SIDE
    poly = np.asarray(polygon, np.float64)
    if poly.ndim != 2 or len(poly) < 3:
        return None
    pad = _odd(PAPER * scale)
    x0, y0 = np.floor(poly.min(axis=0)).astype(int) - pad
    x1, y1 = np.ceil(poly.max(axis=0)).astype(int) + pad
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(grey.shape[1], x1), min(grey.shape[0], y1)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    crop = np.ascontiguousarray(grey[y0:y1, x0:x1])
    mask = np.zeros(crop.shape, np.uint8)
    cv2.fillPoly(mask, [np.round(poly - (x0, y0)).astype(np.int32)], 1)
    edge = _odd(2 * EDGE * scale + 1)
    mask = cv2.erode(mask, np.ones((edge, edge), np.uint8))
    if not mask.any():
        return None
    paper = cv2.medianBlur(crop, pad)
    ink = ((paper.astype(np.int16) - crop.astype(np.int16)) > INK_DELTA).astype(np.uint8) & mask
    run = _odd(RULE * scale)
    rules = (cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
             | cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8)))
    return float(np.count_nonzero(ink & (1 - rules))) / (scale * scale)


def blank_confidence(grey: np.ndarray, polygon: Sequence[Sequence[float]] | None) -> float | None:
    """The confidence that the slot ``polygon`` of ``grey`` holds no writing (see the module
    docstring); None without a slot."""
    ink = slot_ink(grey, polygon) if polygon is not None else None
    return None if ink is None else 1.0 / (1.0 + ink / INK_HALF)
