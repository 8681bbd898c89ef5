"""Ruled lines as curves: morphological line finding, chaining broken segments, intersections.

A :class:`Curve` is a ruled line sampled along its length (x for a horizontal rule, y for a
vertical one), so a line bent by page curvature keeps its shape; a missing line can be stood in
for by blending its neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

SAMPLE_STEP = 16  # px between samples along a ruled line


@dataclass(frozen=True)
class Curve:
    """A ruled line: offset ``v`` (y, or x for vertical lines) at positions ``t`` along it."""

    horizontal: bool
    t: np.ndarray
    v: np.ndarray
    coverage: float = 0.0  # px of ink found along the line (0 for a virtual line)

    def at(self, t: np.ndarray | float) -> np.ndarray:
        return np.interp(t, self.t, self.v)

    @property
    def lo(self) -> float:
        return float(self.t[0])

    @property
    def hi(self) -> float:
        return float(self.t[-1])

    @cached_property
    def mid(self) -> float:
        return float(np.median(self.v))

    @staticmethod
    def straight(horizontal: bool, pos: float, lo: float, hi: float) -> "Curve":
        return Curve(horizontal, np.array([lo, hi], float), np.array([pos, pos], float))

    def blend(self, other: "Curve", w: float) -> "Curve":
        """The virtual line a fraction ``w`` of the way from this line to ``other``."""
        t = np.union1d(self.t, other.t)
        return Curve(self.horizontal, t, (1 - w) * self.at(t) + w * other.at(t))

    def shifted(self, d: float) -> "Curve":
        return Curve(self.horizontal, self.t, self.v + d, self.coverage)


def ruling_masks(binary: np.ndarray, frac: float = 1 / 30) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling of an ink mask: small gaps closed (dotted, faded lines),
    thickened across the line (so slightly bent rules survive), then opened with long kernels."""
    h, w = binary.shape
    out = []
    for horizontal in (True, False):
        n = max(20, int((w if horizontal else h) * frac))
        close = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1) if horizontal else (1, 9))
        open_ = cv2.getStructuringElement(cv2.MORPH_RECT, (n, 1) if horizontal else (1, n))
        m = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, close)
        m = cv2.dilate(m, np.ones((3, 1) if horizontal else (1, 3), np.uint8))  # keeps bent rules
        out.append(cv2.morphologyEx(m, cv2.MORPH_OPEN, open_))
    return out[0], out[1]


def _segments(mask: np.ndarray, horizontal: bool, min_len: int) -> list[Curve]:
    """One curve per connected piece of ruling, sampled every ``SAMPLE_STEP`` px."""
    m = mask if horizontal else mask.T
    n, labels, stats, _ = cv2.connectedComponentsWithStats(np.ascontiguousarray(m), connectivity=8)
    curves = []
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if w < min_len:
            continue
        crop = labels[y:y + h, x:x + w] == i
        cnt = crop.sum(0)
        ys = (crop * np.arange(h)[:, None]).sum(0) / np.maximum(cnt, 1) + y
        cols = np.flatnonzero(cnt)
        pick = cols[:: SAMPLE_STEP] if cols.size > 1 else cols
        if pick[-1] != cols[-1]:
            pick = np.append(pick, cols[-1])
        curves.append(Curve(horizontal, pick + x + 0.0, ys[pick], float(area) / max(1.0, np.median(cnt[cols]))))
    return curves


def find_lines(mask: np.ndarray, horizontal: bool, min_len: int = 40, tol: float = 8.0,
               max_gap: float = 0.12) -> list[Curve]:
    """Ruled lines of one direction, each chained from the broken pieces that continue one
    another (gaps up to ``max_gap`` of the image size, from fading or writing across the rule),
    sorted by position."""
    gap = max_gap * mask.shape[1 if horizontal else 0]
    lines: list[list[Curve]] = []
    for seg in sorted(_segments(mask, horizontal, min_len), key=lambda c: -c.coverage):
        best, best_d = None, tol
        for k, parts in enumerate(lines):
            lo, hi = min(p.lo for p in parts), max(p.hi for p in parts)
            if seg.lo < hi - 20 and seg.hi > lo + 20:
                continue  # overlaps the line: a parallel line, not a continuation
            if seg.lo - hi > gap or lo - seg.hi > gap:
                continue
            if seg.lo >= hi:
                end = max(parts, key=lambda p: p.hi)
                d = abs(_extrapolate(end, seg.lo, tail=True) - seg.v[0]) - 0.02 * (seg.lo - hi)
            else:
                end = min(parts, key=lambda p: p.lo)
                d = abs(_extrapolate(end, seg.hi, tail=False) - seg.v[-1]) - 0.02 * (lo - seg.hi)
            if d < best_d:
                best, best_d = k, d
        if best is None:
            lines.append([seg])
        else:
            lines[best].append(seg)
    out = []
    for parts in lines:
        parts.sort(key=lambda p: p.lo)
        out.append(Curve(horizontal, np.concatenate([p.t for p in parts]), np.concatenate([p.v for p in parts]),
                         sum(p.coverage for p in parts)))
    return sorted(out, key=lambda c: c.mid)


def _extrapolate(c: Curve, t: float, tail: bool, n: int = 4) -> float:
    """The line continued straight from its last (``tail``) or first ``n`` samples to ``t``."""
    ts, vs = (c.t[-n:], c.v[-n:]) if tail else (c.t[:n], c.v[:n])
    if len(ts) < 2 or ts[-1] == ts[0]:
        return float(vs[-1] if tail else vs[0])
    slope = np.clip((vs[-1] - vs[0]) / (ts[-1] - ts[0]), -0.15, 0.15)
    base_t, base_v = (ts[-1], vs[-1]) if tail else (ts[0], vs[0])
    return float(base_v + slope * (t - base_t))


def intersect(h: Curve, v: Curve) -> tuple[float, float]:
    """Where a horizontal and a vertical curve cross (fixed-point iteration)."""
    y = h.mid
    x = float(v.at(y))
    for _ in range(3):
        y = float(h.at(x))
        x = float(v.at(y))
    return x, y


def cell_polygon(top: Curve, bottom: Curve, left: Curve, right: Curve, step: float = 24.0) -> list[tuple[float, float]]:
    """The outline of the cell between four curves, clockwise from the top-left corner, with a
    vertex every ``step`` px so curved rules bend the outline."""
    tl, tr = intersect(top, left), intersect(top, right)
    br, bl = intersect(bottom, right), intersect(bottom, left)

    def edge(a: tuple[float, float], b: tuple[float, float], curve: Curve) -> np.ndarray:
        n = max(1, int(np.ceil(np.hypot(b[0] - a[0], b[1] - a[1]) / step)))
        s = np.arange(n) / n
        if curve.horizontal:
            xs = a[0] + (b[0] - a[0]) * s
            return np.stack([xs, curve.at(xs)], 1)
        ys = a[1] + (b[1] - a[1]) * s
        return np.stack([curve.at(ys), ys], 1)

    pts = np.concatenate([edge(tl, tr, top), edge(tr, br, right), edge(br, bl, bottom), edge(bl, tl, left)])
    return [(float(x), float(y)) for x, y in pts]


def long_only(mask: np.ndarray, horizontal: bool, min_len: int) -> np.ndarray:
    """The pieces of a ruling mask at least ``min_len`` px long: ruled lines, not the long
    strokes of handwriting that the line kernel also keeps."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    size = stats[:, cv2.CC_STAT_WIDTH if horizontal else cv2.CC_STAT_HEIGHT]
    keep = size >= min_len
    keep[0] = False
    return np.where(keep[labels], 255, 0).astype(np.uint8)
