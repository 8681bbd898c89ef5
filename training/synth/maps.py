"""Layout-model targets of a rendered page: rule, printed-text and handwritten-line masks.

Drawn in clean-page pixels while the page is rendered and warped with the page, so each mask
follows the degraded image exactly. Channels (``MAP_CHANNELS``): horizontal rules, vertical
rules, printed text, handwritten lines (filled polygons) and line cores (the middle band of each
line, which stays apart from its neighbours where polygons of a multi-line cell touch).
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np
from numpy.typing import ArrayLike

from training.synth.canvas import PlacedLine

from ocr.layout.maps import MAP_CHANNELS  # noqa: F401  (the channel order the model learns)
RULE_WIDTH_MM = 0.8  # rules in the target are drawn at least this wide
CORE_SHARE = 0.5  # the core keeps this share of a line's height, centred


def line_masks(polygons: Iterable[ArrayLike], size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(line, core) uint8 masks of handwritten line polygons (page pixels) on a page of ``size`` (w, h)."""
    w, h = size
    line = np.zeros((h, w), np.uint8)
    core = np.zeros((h, w), np.uint8)
    for points in polygons:
        poly = np.asarray(points, np.float64).reshape(-1, 2)
        if len(poly) < 3:
            continue
        cv2.fillPoly(line, [np.round(poly).astype(np.int32)], 255)
        x0, y0 = np.floor(poly.min(0)).astype(int)
        x1, y1 = np.ceil(poly.max(0)).astype(int)
        local = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
        cv2.fillPoly(local, [np.round(poly - [x0, y0]).astype(np.int32)], 255)
        heights = (local > 0).sum(0)
        k = int(round(np.median(heights[heights > 0]) * (1 - CORE_SHARE) / 2)) if heights.any() else 0
        if k > 0:
            local = cv2.erode(local, np.ones((2 * k + 1, 1), np.uint8))
        ya, yb, xa, xb = max(y0, 0), min(y1 + 1, h), max(x0, 0), min(x1 + 1, w)
        if ya < yb and xa < xb:
            region = core[ya:yb, xa:xb]
            np.maximum(region, local[ya - y0:yb - y0, xa - x0:xb - x0], out=region)
    return line, core


def page_maps(printed: dict[str, np.ndarray], lines: list[PlacedLine], px_per_mm: float) -> np.ndarray:
    """H x W x 5 uint8 stack in ``MAP_CHANNELS`` order, in clean-page pixels, from the printed
    layer's masks (``hrule``, ``vrule``, ``print``) and the placed handwritten lines."""
    h, w = printed["print"].shape
    wide = [widen_rules(printed[key], px_per_mm) for key in ("hrule", "vrule")]
    line, core = line_masks([pl.polygon for pl in lines], (w, h))
    return np.dstack([*wide, printed["print"], line, core])


def widen_rules(drawn: np.ndarray, px_per_mm: float) -> np.ndarray:
    """The target mask of rules drawn (anti-aliased, any width) into ``drawn``: at least
    ``RULE_WIDTH_MM`` wide."""
    k = max(1, int(round(RULE_WIDTH_MM * px_per_mm)))
    return cv2.dilate(np.where(drawn > 60, 255, 0).astype(np.uint8), np.ones((k, k), np.uint8))
