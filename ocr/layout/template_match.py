"""Matching found ruling to a ledger template: column boundaries by relative widths (dynamic
programming), header and record rows by the template's header height and row count, block frames
of the 2006 books."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr.layout.grid import Curve
from ocr.templates import BlocksLayout, Column, FieldSpec, LedgerTemplate

MISS_COST = 1.0  # a template boundary with no ruled line found
EXTRA_COST = 0.35  # a found line that is no template boundary
MATCH_TOL = 0.025  # of the table width
FRAME_GAPS = (7, 15, 31)  # px: gaps in a block's frame bridged before its outline is traced


@dataclass
class Alignment:
    """Template boundaries matched to found lines: a curve per boundary (virtual where missing)."""

    curves: list[Curve]
    matched: int
    cost: float
    found: list[bool] | None = None  # per boundary: a found line (True) or a stand-in


def slot_weights(stack: list[FieldSpec]) -> np.ndarray:
    """Cut points (0..1) of the fields stacked unruled in one cell: a wrapping field gets twice
    the height of a one-line field (the printing rule of the synthetic and real books alike)."""
    w = np.array([2.0 if f.multiline else 1.0 for f in stack])
    return np.concatenate([[0.0], np.cumsum(w) / w.sum()])


def fill_missing(curves: list[Curve | None], expected: np.ndarray) -> list[Curve]:
    """Stand-ins for missing boundaries, blended from the nearest found ones by expected position."""
    found = [i for i, c in enumerate(curves) if c is not None]
    out = []
    for i, c in enumerate(curves):
        if c is not None:
            out.append(c)
            continue
        lo = max([j for j in found if j < i], default=None)
        hi = min([j for j in found if j > i], default=None)
        if lo is not None and hi is not None:
            w = (expected[i] - expected[lo]) / (expected[hi] - expected[lo])
            out.append(curves[lo].blend(curves[hi], float(w)))
        else:
            j = lo if lo is not None else hi
            out.append(curves[j].shifted(float(expected[i] - expected[j])))
    return out


def align(found: list[Curve], expected: np.ndarray, tol: float) -> Alignment:
    """Monotone alignment of found lines (sorted) to expected positions (absolute px): an edit
    distance where a match costs its squared offset, a missed boundary MISS_COST, and an extra
    line EXTRA_COST."""
    pos = np.array([c.mid for c in found])
    n, m = len(expected), len(found)
    cost = np.full((n + 1, m + 1), np.inf)
    move = np.zeros((n + 1, m + 1), np.int8)
    cost[0, :] = np.arange(m + 1) * EXTRA_COST
    cost[:, 0] = np.arange(n + 1) * MISS_COST
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d = abs(expected[i - 1] - pos[j - 1]) / tol
            options = (cost[i - 1, j - 1] + d * d if d < 1 else np.inf,
                       cost[i - 1, j] + MISS_COST, cost[i, j - 1] + EXTRA_COST)
            move[i, j] = int(np.argmin(options))
            cost[i, j] = options[move[i, j]]
    i, j, picks = n, m, [None] * n
    while i > 0 and j > 0:
        if move[i, j] == 0:
            picks[i - 1] = found[j - 1]
            i, j = i - 1, j - 1
        elif move[i, j] == 1:
            i -= 1
        else:
            j -= 1
    matched = sum(p is not None for p in picks)
    if not matched:
        return Alignment([], 0, float(cost[n, m]))
    return Alignment(fill_missing(picks, expected), matched, float(cost[n, m]), [p is not None for p in picks])


def align_refined(found: list[Curve], expected: np.ndarray, tol: float) -> Alignment:
    """:func:`align`, then again with the expected positions bent by the offsets of the lines
    matched the first time (page curl squeezes columns near the spine unevenly)."""
    first = align(found, expected, tol)
    if not first.found or first.matched < 3:
        return first
    hit = np.array(first.found)
    offsets = np.array([c.mid for c in first.curves])[hit] - expected[hit]
    second = align(found, expected + np.interp(expected, expected[hit], offsets), tol)
    return second if second.matched > first.matched else first


def column_bounds(columns: list[Column], x0: float, x1: float) -> np.ndarray:
    widths = np.array([c.width for c in columns])
    return x0 + np.concatenate([[0.0], np.cumsum(widths)]) / widths.sum() * (x1 - x0)


def header_fraction(t: LedgerTemplate) -> float:
    """The header rows' share of the table height, from the template's page geometry."""
    top, _, bottom, _ = t.page.margins_mm
    table_h = t.page.height_mm - top - bottom - t.page.title_height_mm
    return t.page.header_height_mm / table_h


def best_row_count(found: list[Curve], top: float, bottom: float, counts: range) -> tuple[int, Alignment]:
    """The number of equal record rows (within ``counts``) whose rules best explain the found
    horizontal lines between the header and the table bottom."""
    best = None
    for n in counts:
        expected = top + np.arange(n + 1) * (bottom - top) / n
        a = align(found, expected, tol=0.25 * (bottom - top) / n)
        score = a.cost - 0.5 * a.matched
        if best is None or score < best[0]:
            best = (score, n, a)
    assert best is not None
    return best[1], best[2]


def block_frames(lines_mask: np.ndarray, t: LedgerTemplate) -> tuple[list[np.ndarray], int]:
    """The record frames of a block layout, as 4 corners (tl, tr, br, bl), in reading order, and
    how many of them were open (found only with their rules thickened: less exact)."""
    assert isinstance(t.layout, BlocksLayout)
    h, w = lines_mask.shape
    n = t.layout.records_per_page
    top, right, bottom, left = t.page.margins_mm
    ncol = t.layout.block_columns
    nrow = -(-n // ncol)
    bw = (t.page.width_mm - left - right - 5 * (ncol - 1)) / ncol
    bh = (t.page.height_mm - top - bottom - t.page.title_height_mm - 5 * (nrow - 1)) / nrow
    expected = w * h * bw * bh / (t.page.width_mm * t.page.height_mm)  # an upper bound: the canvas may hold more
    quads: list[np.ndarray] = []
    opened = 0
    for gap in FRAME_GAPS:
        boxes = []
        if gap == FRAME_GAPS[0]:
            joined = cv2.morphologyEx(lines_mask, cv2.MORPH_CLOSE, np.ones((gap, gap), np.uint8))
            contours, _ = cv2.findContours(joined, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
            grow = 0.0
        else:  # a frame left open (a curled corner's rules miss each other) closes when they grow thick;
            # the hole inside it, grown back by the thickening, is the frame
            thick = cv2.dilate(lines_mask, np.ones((gap, gap), np.uint8))
            outlines, tree = cv2.findContours(thick, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
            contours = [c for c, node in zip(outlines, tree[0] if tree is not None else []) if node[3] >= 0]
            grow = gap / 2
        for c in contours:
            pts = c.reshape(-1, 2).astype(np.float64)
            s, d = pts.sum(1), pts[:, 0] - pts[:, 1]
            quad = np.array([pts[s.argmin()], pts[d.argmax()], pts[s.argmax()], pts[d.argmin()]])
            area = cv2.contourArea(c)
            quad_area = cv2.contourArea(quad.astype(np.float32))
            quad += grow * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])
            qw = np.hypot(*(quad[1] - quad[0])) + np.hypot(*(quad[2] - quad[3]))
            qh = np.hypot(*(quad[3] - quad[0])) + np.hypot(*(quad[2] - quad[1]))
            aspect = qw / max(qh, 1.0) / (bw / bh)
            if (0.35 * expected < area < 1.5 * expected and 0.85 < quad_area / area < 1.15
                    and 0.75 < aspect < 1.33):  # one frame, not two run together
                boxes.append((area, quad))
        kept = _dedupe(quads + [q for _, q in sorted(boxes, key=lambda b: -b[0])])[:n]
        if gap != FRAME_GAPS[0]:
            opened += len(kept) - len(quads)
        quads = kept
        if len(quads) == n:
            break
    cols = t.layout.block_columns
    quads.sort(key=lambda q: q[:, 1].mean())
    rows = [sorted(quads[i:i + cols], key=lambda q: q[:, 0].mean()) for i in range(0, len(quads), cols)]
    return [q for row in rows for q in row], opened


def _dedupe(quads: list[np.ndarray]) -> list[np.ndarray]:
    """Drop frames found twice (the outer and inner outline of one thick rule)."""
    out: list[np.ndarray] = []
    for q in quads:
        c = q.mean(0)
        if all(np.abs(c - o.mean(0)).max() > 0.2 * np.ptp(o[:, 0]) for o in out):
            out.append(q)
    return out


def bilinear(quad: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Points at unit coordinates (u, v) of a quadrilateral (tl, tr, br, bl)."""
    tl, tr, br, bl = quad
    u, v = np.asarray(u, float)[:, None], np.asarray(v, float)[:, None]
    return (1 - v) * ((1 - u) * tl + u * tr) + v * ((1 - u) * bl + u * br)
