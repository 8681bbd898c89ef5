"""Marks beyond plain writing: signatures, stamps, strike-throughs, overwriting and smudges."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ocr.schema import Region
from training.synth.handwriting import InkLine, WriterStyle, render_line
from training.synth.layout import Box, PageGeom

from training.synth.canvas import Canvas, PlacedLine

if TYPE_CHECKING:  # pragma: no cover
    from training.synth.book import PagePlan

STAMP_RED = (200, 40, 50)


def _stroke_alpha(h: int, w: int, pts: np.ndarray, width: float) -> np.ndarray:
    canvas = np.zeros((h, w), np.uint8)
    cv2.polylines(canvas, [np.round(pts * 4).astype(np.int32)], False, 255, max(1, int(round(width))), cv2.LINE_AA,
                  shift=2)
    return canvas.astype(np.float32) / 255.0


def draw_signature(canvas: Canvas, box: Box, style: WriterStyle, rng: np.random.Generator) -> np.ndarray:
    """A quick pen signature inside ``box`` (loops running right, often a flourish under them);
    returns its outline in page coordinates."""
    w, h = max(12, int(box.w * rng.uniform(0.55, 0.9))), max(10, int(box.h * rng.uniform(0.55, 0.9)))
    n = 400
    t = np.linspace(0, 1, n)
    loops = rng.uniform(3, 7)
    amp_y = rng.uniform(0.22, 0.34)
    xs = 0.08 + 0.8 * t - rng.uniform(0.03, 0.07) * np.sin(2 * np.pi * loops * t)
    ys = 0.5 + amp_y * np.sin(2 * np.pi * loops * t + rng.uniform(0, 6)) * (1 - 0.5 * t)
    ys += 0.08 * np.sin(2 * np.pi * rng.uniform(0.5, 1.5) * t)
    strokes = [np.stack([xs, ys], 1)]
    if rng.random() < 0.7:  # the flourish: back under the name with a slight curve
        u = np.linspace(0, 1, 60)
        strokes.append(np.stack([0.9 - 0.85 * u, 0.82 + 0.06 * np.sin(np.pi * u) + rng.normal(0, 0.01)], 1))
    alpha = np.zeros((h, w), np.float32)
    width = max(1.0, style.size_px * rng.uniform(0.03, 0.05))
    for pts in strokes:
        pts = np.clip(pts * [w, h], 2, [w - 3, h - 3])
        np.maximum(alpha, _stroke_alpha(h, w, pts, width), out=alpha)
    x0 = int(box.x0 + rng.uniform(0, max(0.0, box.w - w)))
    y0 = int(box.y0 + rng.uniform(0, max(0.0, box.h - h)))
    canvas.composite(alpha * 0.9, x0, y0, style.ink)
    outline = Box(x0, y0, x0 + w, y0 + h)
    canvas.occupied.append(outline)
    return outline.polygon()


def strike_through(line: InkLine, rng: np.random.Generator) -> None:
    """Cross out the writing of ``line`` with one or two strokes, inside its own ink box."""
    ys, xs = np.nonzero(line.alpha > 0.1)
    if xs.size == 0:
        return
    h, w = line.alpha.shape
    for _ in range(int(rng.integers(1, 3))):
        y_mid = float(np.median(ys)) + rng.normal(0, 1.5)
        pts = np.array([[xs.min(), y_mid + rng.normal(0, 2)], [xs.max(), y_mid + rng.normal(0, 2)]])
        stroke = _stroke_alpha(h, w, np.clip(pts, 1, [w - 2, h - 2]), max(1.0, line.x_height * 0.12))
        np.maximum(line.alpha, stroke, out=line.alpha)


def overwrite_glyph(line: InkLine, style: WriterStyle, rng: np.random.Generator) -> None:
    """Write one digit over a character of ``line`` (a corrected digit), inside its ink box."""
    ys, xs = np.nonzero(line.alpha > 0.1)
    if xs.size == 0:
        return
    glyph = render_line(str(int(rng.integers(0, 10))), replace(style, jitter=style.jitter * 2), rng)
    gh, gw = glyph.alpha.shape
    bh, bw = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
    scale = min(1.0, bh / gh, bw / gw)
    alpha = cv2.resize(glyph.alpha, (max(1, int(gw * scale)), max(1, int(gh * scale))), interpolation=cv2.INTER_AREA)
    gh, gw = alpha.shape
    x = int(xs.min() + rng.uniform(0, max(0.0, bw - gw)))
    y = int(ys.min() + max(0.0, (bh - gh) / 2))
    np.maximum(line.alpha[y:y + gh, x:x + gw], alpha, out=line.alpha[y:y + gh, x:x + gw])


def smudge(canvas: Canvas, lines: list[PlacedLine], ink: tuple[int, int, int], rng: np.random.Generator) -> None:
    """Make a field unreadable: an ink blot, a water smear or a scrubbed-out erasure over it."""
    if not lines:
        return
    box = lines[0].box
    for pl in lines[1:]:
        box = box.union(pl.box)
    x0, y0, x1, y1 = (int(v) for v in (box.x0, box.y0, box.x1, box.y1))
    region = canvas.rgb[y0:y1, x0:x1]
    kind = rng.integers(3)
    if kind == 0:  # ink blot: an irregular blob well inside the writing's box
        h, w = region.shape[:2]
        mask = np.zeros((h, w), np.uint8)
        cx, cy = w * rng.uniform(0.35, 0.65), h / 2
        angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        radius = np.clip(rng.normal(1.0, 0.18, 24), 0.6, 1.3)
        rx, ry = min(w * rng.uniform(0.2, 0.35), h * 1.5), h * 0.33
        pts = np.stack([cx + rx * radius * np.cos(angles), cy + ry * radius * np.sin(angles)], 1)
        cv2.fillPoly(mask, [pts.astype(np.int32)], 255, cv2.LINE_AA)
        a = cv2.GaussianBlur(mask, (0, 0), 1.5).astype(np.float32)[..., None] / 255.0 * rng.uniform(0.7, 0.92)
        region[:] = region * (1 - a) + a * np.asarray(ink, np.float32)
    elif kind == 1:  # water smear: ink runs and blurs, fading out towards the edges of the patch
        h, w = region.shape[:2]
        soft = np.zeros((h, w), np.float32)
        cv2.ellipse(soft, (w // 2, h // 2), (max(1, int(w * 0.45)), max(1, int(h * 0.45))), 0, 0, 360, 1.0, -1)
        soft = cv2.GaussianBlur(soft, (0, 0), max(1.0, h * 0.15))[..., None]
        region[:] = region * (1 - soft) + cv2.GaussianBlur(region, (0, 0), rng.uniform(3, 6)) * soft
    else:  # scrubbed out: ink mostly rubbed off
        region[:] = region + (250 - region) * rng.uniform(0.75, 0.92)


def draw_stamp(canvas: Canvas, geom: PageGeom, plan: "PagePlan", rng: np.random.Generator) -> Region:
    """A round red commune stamp, slightly transparent, over the signatures or the title."""
    s = geom.px_per_mm
    r = int(rng.uniform(14, 19) * s)
    cx = int(rng.uniform(geom.table.x0 + r, geom.table.x1 - r))
    cy = int(rng.uniform(geom.table.y0 + r, min(geom.table.y1 - r, geom.table.y0 + 6 * r)))
    size = 2 * r + 4
    mask = np.zeros((size, size), np.uint8)
    c = (r + 2, r + 2)
    cv2.circle(mask, c, r, 255, max(2, int(0.6 * s)), cv2.LINE_AA)
    cv2.circle(mask, c, int(r * 0.72), 255, max(1, int(0.3 * s)), cv2.LINE_AA)
    star = np.array([[np.cos(a), np.sin(a)] for a in np.linspace(-np.pi / 2, 1.5 * np.pi, 11)[:-1]])
    radii = np.where(np.arange(10) % 2 == 0, r * 0.3, r * 0.12)[:, None]
    cv2.fillPoly(mask, [(star * radii + c).astype(np.int32)], 255, cv2.LINE_AA)
    ring = np.arange(0, 360, 14)
    for a in ring[rng.random(ring.size) < 0.8]:  # the lettering around the rim, as short ticks
        p = np.array([np.cos(np.radians(a)), np.sin(np.radians(a))])
        p0, p1 = np.array(c) + p * r * 0.8, np.array(c) + p * r * 0.92
        cv2.line(mask, tuple(p0.astype(int)), tuple(p1.astype(int)), 255, max(1, int(0.35 * s)), cv2.LINE_AA)
    mask = cv2.warpAffine(mask, cv2.getRotationMatrix2D(c, float(rng.uniform(0, 360)), 1.0), (size, size))
    alpha = mask.astype(np.float32) / 255.0 * float(rng.uniform(0.45, 0.8))
    alpha *= (rng.random(alpha.shape) > 0.15).astype(np.float32)
    x0, y0 = cx - r - 2, cy - r - 2
    canvas.composite(alpha, x0, y0, STAMP_RED)
    commune = plan.unit.get("commune") or plan.unit.get("district") or ""
    return Region(id=f"stamp{plan.index}", kind="stamp", polygon=[(float(x), float(y)) for x, y in
                                                                   Box(x0, y0, x0 + size, y0 + size).polygon()],
                  text=f"UBND {commune}".strip())
