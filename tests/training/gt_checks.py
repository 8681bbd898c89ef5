"""Checks of synthetic ground truth against the pixels, shared by tests and benchmarks."""

from __future__ import annotations

import cv2
import numpy as np

from ocr.schema import Page


def polygon_mask(shape: tuple[int, int], polygon) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(np.asarray(polygon) * 4).astype(np.int32)], 1, cv2.LINE_8, shift=2)
    return mask.astype(bool)


def line_ink_report(page: Page, labels: np.ndarray, label_ids: list[str]) -> list[tuple[str, float, int]]:
    """Per handwritten line: (id, share of its own ink inside its polygon, other lines' ink pixels inside)."""
    lines = {ln.id: ln for ln in page.all_lines()}
    out = []
    for k, lid in enumerate(label_ids, start=1):
        own = labels == k
        if not own.any():
            continue  # all of its ink fell outside the page (torn, cropped)
        mask = polygon_mask(labels.shape, lines[lid].polygon)
        inside = float((own & mask).sum() / own.sum())
        others = int(((labels > 0) & (labels != k) & mask).sum())
        out.append((lid, inside, others))
    return out
