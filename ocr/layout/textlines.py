"""Handwritten text lines inside field slots: ink components (ruling removed), assigned to the
slot holding their centre, grouped into lines by vertical overlap, outlined per strip."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MIN_AREA = 12  # px: smaller specks are noise
STRIP = 16  # px: width of the strips a line's outline and baseline are traced in
PAD = 3  # px of paper kept around the ink, as in the ground truth
SPLIT_WIDTH = 0.8  # a line is cut at a cell's edge when both sides hold this many line heights of it


@dataclass
class Components:
    """Connected ink components of a page: label image, stats (x, y, w, h, area), centroids."""

    labels: np.ndarray
    stats: np.ndarray
    centroids: np.ndarray


# Dotted writing lines (the 2006 books' blocks), in mm of the page: dots this far apart join into
# one run, runs this long are a dotted line, and a run this thick is writing, not dots.
DOT_JOIN_MM = 1.8
DOTTED_MIN_MM = 25.0
DOT_THICK_MM = 1.4


def dotted_rules(binary: np.ndarray, px_per_mm: float) -> np.ndarray:
    """The ink of dotted writing lines (255): long, thin horizontal runs of dots. The learned
    rule maps leave them out on purpose (they are not the table's ruling), and a line outlined
    with its dotted line below it is read smaller than the lines the recognizer learned from."""
    def px(mm: float) -> int:
        return max(1, int(round(mm * px_per_mm)))

    runs = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, np.ones((1, px(DOT_JOIN_MM)), np.uint8))
    runs = cv2.morphologyEx(runs, cv2.MORPH_OPEN, np.ones((1, px(DOTTED_MIN_MM)), np.uint8))
    thick = cv2.morphologyEx(runs, cv2.MORPH_OPEN, np.ones((px(DOT_THICK_MM), 1), np.uint8))
    return cv2.subtract(runs, thick) & binary


def text_components(binary: np.ndarray, ruling: np.ndarray) -> Components:
    """Ink that is not ruling, as connected components."""
    ink = cv2.subtract(binary, cv2.dilate(ruling, np.ones((3, 3), np.uint8)))
    ink = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((2, 2), np.uint8))
    _, labels, stats, cents = cv2.connectedComponentsWithStats(ink, connectivity=8)
    return Components(labels, stats, cents)


def slot_index(slots: list[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    """An image of slot numbers (1-based; 0 outside every slot)."""
    index = np.zeros(shape, np.int32)
    for k, poly in enumerate(slots):
        cv2.fillPoly(index, [np.round(poly).astype(np.int32)], k + 1)
    return index


def which_slot(index: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The 0-based slot of each point (N, 2), -1 outside every slot."""
    h, w = index.shape
    pts = np.asarray(points, float).reshape(-1, 2)
    xs = np.clip(pts[:, 0].astype(int), 0, w - 1)
    ys = np.clip(pts[:, 1].astype(int), 0, h - 1)
    return index[ys, xs] - 1


def split_at_slots(line: Outline, index: np.ndarray, share: float = SPLIT_WIDTH) -> list[tuple[int, Outline]]:
    """A line (polygon, baseline) as (0-based slot, piece) pairs, given a slot index image
    (:func:`slot_index`): whole to the slot holding most of its area, or, when the line runs
    side by side through two or more slots that each hold a stretch of it at least ``share``
    times its height wide (writing of neighbouring cells that touches, found as one line), cut
    between them into one piece per such slot; a shorter stretch (a stroke over a cell's edge)
    stays with its neighbour. Each column of the line goes with the slot holding most of it there, so
    a tone mark or a descender reaching into the row above or below is never cut off. ``[]``
    when the line lies outside every slot."""
    poly, base = np.asarray(line[0], float), np.asarray(line[1], float).reshape(-1, 2)
    h, w = index.shape
    x0, y0 = np.clip(np.floor(poly.min(0)).astype(int), 0, [w - 1, h - 1])
    x1, y1 = np.clip(np.ceil(poly.max(0)).astype(int) + 1, [x0 + 1, y0 + 1], [w, h])
    inside = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(inside, [np.round(poly - [x0, y0]).astype(np.int32)], 1)
    labels = np.where(inside > 0, index[y0:y1, x0:x1], 0)
    found = np.unique(labels[labels > 0])
    if not found.size:
        centre = which_slot(index, poly.mean(0)[None])[0]
        return [(int(centre), line)] if centre >= 0 else []
    per_col = np.stack([(labels == k).sum(0) for k in found])  # (slots, columns)
    total = per_col.sum(1)
    owner = np.where(per_col.max(0) > 0, found[per_col.argmax(0)], 0)  # the slot of each column
    widths = np.array([(owner == k).sum() for k in found])
    height = float(np.median(inside.sum(0)[inside.any(0)]))
    major = found[widths >= share * height]
    if major.size < 2:
        return [(int(found[np.argmax(total)]) - 1, line)]
    cols = np.flatnonzero(np.isin(owner, major))
    nearest = cols[np.abs(np.arange(owner.size)[:, None] - cols[None, :]).argmin(1)]
    owner = owner[nearest]  # columns of a minor slot (or of none) go with the nearest major one
    pieces = []
    for k in major:
        part = (inside > 0) & (owner == k)[None, :]
        if not part.any():
            continue
        piece, _ = outline_mask(part, pad=0)
        lo, hi = piece[:, 0].min() + x0, piece[:, 0].max() + x0
        kept = base[(base[:, 0] >= lo) & (base[:, 0] <= hi)]
        if not len(kept):
            kept = np.array([[(lo + hi) / 2, piece[:, 1].max() + y0]])
        pieces.append((int(k) - 1, (piece + [x0, y0], kept)))
    return pieces


def assign(comps: Components, slots: list[np.ndarray], shape: tuple[int, int]) -> list[list[int]]:
    """Component ids per slot polygon, by where each component's centre falls."""
    out: list[list[int]] = [[] for _ in slots]
    ids = np.flatnonzero(comps.stats[:, 4] >= MIN_AREA)
    ids = ids[ids > 0]
    for i, k in zip(ids, which_slot(slot_index(slots, shape), comps.centroids[ids])):
        if k >= 0:
            out[k].append(int(i))
    return out


def group_lines(comps: Components, ids: list[int], min_overlap: float = 0.35) -> list[list[int]]:
    """Components grouped into lines: big ones by vertical overlap, small ones (tone marks, dots)
    joined to the nearest line."""
    if not ids:
        return []
    st = comps.stats
    heights = st[ids, 3]
    small_h = 0.45 * float(np.median(heights))
    big = [i for i in ids if st[i, 3] >= small_h] or ids
    lines: list[list[int]] = []
    spans: list[list[float]] = []
    for i in sorted(big, key=lambda i: comps.centroids[i][1]):
        y0, y1 = st[i, 1], st[i, 1] + st[i, 3]
        for k, (a, b) in enumerate(spans):
            if min(b, y1) - max(a, y0) >= min_overlap * min(b - a, y1 - y0):
                lines[k].append(i)
                spans[k] = [min(a, y0), max(b, y1)]
                break
        else:
            lines.append([i])
            spans.append([y0, y1])
    for i in ids:
        if i in big:
            continue
        cy = comps.centroids[i][1]
        k = int(np.argmin([0 if a <= cy <= b else min(abs(cy - a), abs(cy - b)) for a, b in spans]))
        lines[k].append(i)
    return _merge_weak([ln for ln in lines if st[ln, 4].sum() >= 40], st)


def _merge_weak(lines: list[list[int]], st: np.ndarray) -> list[list[int]]:
    """Fold fragments (a tone mark floating above its word, an underline, a stray stroke: low or
    light) into the nearest line of the slot when they sit within half a line height of it."""
    while len(lines) > 1:
        spans = np.array([[st[ln, 1].min(), (st[ln, 1] + st[ln, 3]).max()] for ln in lines], float)
        heights = spans[:, 1] - spans[:, 0]
        areas = np.array([st[ln, 4].sum() for ln in lines], float)
        med_h, med_a = np.median(heights), np.median(areas)
        weak = [k for k in np.argsort(areas) if heights[k] < 0.5 * heights.max() and areas[k] < 0.5 * areas.max()]
        done = True
        for k in weak:
            gaps = np.maximum(spans[:, 0] - spans[k, 1], spans[k, 0] - spans[:, 1])
            gaps[k] = np.inf
            j = int(np.argmin(gaps))
            if gaps[j] < 0.5 * max(med_h, heights[j]):
                lines[j] = lines[j] + lines[k]
                del lines[k]
                done = False
                break
        if done:
            break
    return lines


def outline(comps: Components, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """A line's polygon (upper and lower ink envelope per strip, padded) and its baseline (the
    lowest ink per strip), in page pixels."""
    st = comps.stats[ids]
    x0, y0 = st[:, 0].min(), st[:, 1].min()
    x1, y1 = (st[:, 0] + st[:, 2]).max(), (st[:, 1] + st[:, 3]).max()
    poly, base = outline_mask(np.isin(comps.labels[y0:y1, x0:x1], ids))
    return poly + [x0, y0], base + [x0, y0]


def outline_mask(mask: np.ndarray, pad: int = PAD) -> tuple[np.ndarray, np.ndarray]:
    """Polygon and baseline of the ink in a (cropped) boolean mask, in the mask's pixels: the
    upper and lower envelope per ``STRIP``-px strip from the first inked column to the last, padded
    by ``pad``, as the ground truth is."""
    cols = np.flatnonzero(mask.any(0))
    first = int(cols[0]) if cols.size else 0
    mask = mask[:, first:int(cols[-1]) + 1] if cols.size else mask
    top, bottom, xs = [], [], []
    for s in range(0, mask.shape[1], STRIP):
        rows = np.flatnonzero(mask[:, s:s + STRIP].any(1))
        if rows.size:
            xs.append((s, min(s + STRIP, mask.shape[1])))
            top.append(rows[0])
            bottom.append(rows[-1] + 1)
    left = np.array([a for a, _ in xs], float)
    right = np.array([b for _, b in xs], float)
    left[0] -= pad
    right[-1] += pad
    upper = np.stack([np.ravel([left, right], order="F"), np.repeat(np.array(top, float) - pad, 2)], 1)
    lower = np.stack([np.ravel([left, right], order="F"), np.repeat(np.array(bottom, float) + pad, 2)], 1)[::-1]
    base = np.array([((a + b) / 2, t) for (a, b), t in zip(xs, bottom)], float)
    return np.concatenate([upper, lower]) + [first, 0], base + [first, 0]


Outline = tuple[np.ndarray, np.ndarray]  # (polygon, baseline) of a line, page pixels


def same_row(a: np.ndarray, b: np.ndarray, min_overlap: float = 0.5) -> bool:
    """Whether two line polygons share a row: their vertical spans overlap by ``min_overlap`` of
    the lower one's height."""
    (a0, a1), (b0, b1) = (a[:, 1].min(), a[:, 1].max()), (b[:, 1].min(), b[:, 1].max())
    return min(a1, b1) - max(a0, b0) >= min_overlap * min(a1 - a0, b1 - b0)


def join_rows(lines: list[Outline]) -> list[Outline]:
    """The lines of one slot in reading order, pieces of one written line (a line finder that
    broke it at a wide gap between words) joined into one: rows top to bottom, pieces of a row
    left to right, outlined again around the pieces and the gaps between them."""
    rows: list[list[Outline]] = []
    for ln in sorted(lines, key=lambda pb: pb[0][:, 1].min()):
        row = next((r for r in rows if any(same_row(ln[0], other[0]) for other in r)), None)
        if row is None:
            rows.append([ln])
        else:
            row.append(ln)
    out = [_join(sorted(r, key=lambda pb: pb[0][:, 0].min())) for r in rows]
    return sorted(out, key=lambda pb: pb[0][:, 1].mean())


def _join(pieces: list[Outline]) -> Outline:
    """One outline around pieces of a row (left to right): their polygons, and between two
    neighbours the span both cover vertically, traced strip by strip."""
    if len(pieces) == 1:
        return pieces[0]
    polys = [np.asarray(p, float) for p, _ in pieces]
    lo = np.floor(np.min([p.min(0) for p in polys], 0)).astype(int)
    hi = np.ceil(np.max([p.max(0) for p in polys], 0)).astype(int)
    mask = np.zeros((hi[1] - lo[1] + 1, hi[0] - lo[0] + 1), np.uint8)
    for p in polys:
        cv2.fillPoly(mask, [np.round(p - lo).astype(np.int32)], 1)
    for a, b in zip(polys, polys[1:]):
        top = max(a[:, 1].min(), b[:, 1].min())
        bottom = max(top + 1, min(a[:, 1].max(), b[:, 1].max()))
        cv2.rectangle(mask, (int(a[:, 0].max() - lo[0]), int(top - lo[1])),
                      (int(b[:, 0].min() - lo[0]), int(bottom - lo[1])), 1, -1)
    poly, _ = outline_mask(mask.astype(bool), pad=0)
    base = np.concatenate([np.asarray(b, float).reshape(-1, 2) for _, b in pieces])
    return poly + lo, base[np.argsort(base[:, 0], kind="stable")]
