"""Orientation (quarter turns) and skew of ruled ledger pages, with the transform to undo them.

Skew is found by the projection-profile method: the page's ink, rotated by a candidate angle, is
summed per row; ruled lines and text lines make the profile sharpest (largest sum of squares) at
the right angle. Orientation uses two cues: text is written in wide words (0/180 vs 90/270), and
the printed title sits above the table, not below it (0 vs 180).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

PROFILE_WIDTH = 1400  # px: the page is downscaled to this width to score angles


def gray_channel(image: np.ndarray) -> np.ndarray:
    """A grey image in which ledger ink is dark and red stamps nearly vanish (the red channel)."""
    if image.ndim == 2:
        return image
    return np.ascontiguousarray(image[:, :, 0])


def binarize(gray: np.ndarray, block: int | None = None, c: float = 12) -> np.ndarray:
    """Ink mask (255 = ink) by adaptive mean thresholding, tolerant of uneven light and fading."""
    if block is None:
        block = max(15, (min(gray.shape) // 40) | 1)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, c)


@dataclass(frozen=True)
class PageTransform:
    """The rotation that took the input image to the corrected working image.

    ``matrix`` maps input pixels to working pixels (2 x 3 affine); ``size`` is (width, height) of
    the working image; ``angle`` the deskew rotation applied (degrees, counter-clockwise as in
    ``cv2.getRotationMatrix2D``) and ``orientation`` the quarter turn (clockwise degrees).
    """

    matrix: np.ndarray
    size: tuple[int, int]
    angle: float = 0.0
    orientation: int = 0

    def apply(self, image: np.ndarray, border: int | tuple[int, ...] = 255) -> np.ndarray:
        """The working image."""
        if image.ndim == 3 and isinstance(border, int):
            border = (border,) * image.shape[2]
        return cv2.warpAffine(image, self.matrix, self.size, flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=border)

    def to_input(self, points: np.ndarray) -> np.ndarray:
        """Working-image points (N, 2) mapped back to input-image pixels."""
        inv = cv2.invertAffineTransform(self.matrix)
        pts = np.asarray(points, np.float64).reshape(-1, 2)
        return pts @ inv[:, :2].T + inv[:, 2]

    def to_work(self, points: np.ndarray) -> np.ndarray:
        pts = np.asarray(points, np.float64).reshape(-1, 2)
        return pts @ self.matrix[:, :2].T + self.matrix[:, 2]


def _rotation(size: tuple[int, int], angle: float, quarter: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Rotation by ``angle`` (ccw) after ``quarter`` clockwise degrees, about the centre, on a
    canvas that keeps the whole page in view."""
    w, h = size
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle - quarter, 1.0)
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64) @ m[:, :2].T + m[:, 2]
    lo, hi = corners.min(0), corners.max(0)
    m[:, 2] -= lo
    out = np.ceil(hi - lo).astype(int)
    return m, (int(out[0]), int(out[1]))


class _InkPoints:
    """The ink of a (small) binary image as weighted points, to score rotations cheaply: the row
    profile of the image rotated by an angle is a weighted histogram of the rotated y."""

    def __init__(self, small: np.ndarray) -> None:
        ys, xs = np.nonzero(small)
        h, w = small.shape
        self.x, self.y = xs - w / 2.0, ys - h / 2.0
        self.weights = small[ys, xs].astype(np.float64)
        self.reach = float(np.hypot(w, h)) / 2 + 2

    def score(self, angle: float) -> float:
        """Sharpness of the row profile after a ``cv2.getRotationMatrix2D``-style rotation (ccw)."""
        a = np.deg2rad(angle)
        rows = np.round(-np.sin(a) * self.x + np.cos(a) * self.y + self.reach).astype(np.intp)
        prof = np.bincount(rows, self.weights, minlength=int(2 * self.reach) + 1)
        return float(np.square(np.diff(prof)).sum())


# Coarse to fine: (angle step, search span either side or None for the whole range, image width).
SKEW_STAGES = ((0.5, None, 700), (0.1, 0.5, PROFILE_WIDTH), (0.02, 0.1, PROFILE_WIDTH))


def estimate_skew(binary: np.ndarray, max_angle: float = 10.0) -> float:
    """The rotation (degrees, ccw) that makes the ruling and writing of ``binary`` horizontal."""
    best = 0.0
    points: dict[int, _InkPoints] = {}
    for step, span, width in SKEW_STAGES:
        if width not in points:
            scale = min(1.0, width / binary.shape[1])
            points[width] = _InkPoints(cv2.resize(binary, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        reach = max_angle if span is None else span
        cands = best + np.arange(-reach, reach + step / 2, step)
        scores = [points[width].score(a) for a in cands]
        best = float(cands[int(np.argmax(scores))])
    return best


def _long_lines(binary: np.ndarray, axis: int) -> np.ndarray:
    n = max(15, binary.shape[1 - axis] // 25)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (n, 1) if axis == 0 else (1, n))
    return cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel)


def estimate_orientation(binary: np.ndarray, portrait: bool | None = None) -> int:
    """The clockwise quarter turn (0, 90, 180, 270) that puts a ledger page upright.

    ``portrait`` (the template's paper shape) decides between 0/180 and 90/270 when given; the
    text-shape cue used otherwise is weak. Up/down: the title lies above the table."""
    scale = min(1.0, PROFILE_WIDTH / max(binary.shape))
    small = cv2.resize(binary, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    if portrait is not None:
        quarter = 0 if (small.shape[0] > small.shape[1]) == portrait else 90
    else:
        quarter = _text_quarter(small)
    if quarter:
        small = np.ascontiguousarray(np.rot90(small, -1))  # clockwise
    horiz = _long_lines(small, 0).sum(1)
    rows = np.flatnonzero(horiz > 0.3 * horiz.max()) if horiz.max() else np.array([], int)
    if rows.size < 2:
        return quarter
    ink = small.sum(1, dtype=np.float64)
    above, below = ink[: rows[0]].sum(), ink[rows[-1] + 3:].sum()
    return (quarter + 180) % 360 if below > 1.5 * above + 1 else quarter


def _text_quarter(small: np.ndarray) -> int:
    """0 when words run horizontally (wider than tall), else 90."""
    lines = _long_lines(small, 0) | _long_lines(small, 1)
    text = cv2.subtract(small, cv2.dilate(lines, np.ones((3, 3), np.uint8)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(text, connectivity=8)
    ws, hs = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    keep = (ws >= 3) & (hs >= 3) & (ws < small.shape[1] / 8) & (hs < small.shape[0] / 8)
    return 0 if ws[keep].sum() >= hs[keep].sum() else 90


def correct(image: np.ndarray, *, orientation: bool = True, portrait: bool | None = None,
            max_angle: float = 10.0) -> tuple[np.ndarray, PageTransform]:
    """The upright, deskewed working image and the transform from the input image to it."""
    h, w = image.shape[:2]
    binary = binarize(gray_channel(image))
    quarter = estimate_orientation(binary, portrait) if orientation else 0
    if quarter:
        m, size = _rotation((w, h), 0.0, quarter)
        binary = cv2.warpAffine(binary, m, size, flags=cv2.INTER_NEAREST)
    angle = estimate_skew(binary, max_angle)
    m, size = _rotation((w, h), angle, quarter)
    t = PageTransform(m, size, angle, quarter)
    return t.apply(image), t
